import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCrif } from '../src/portfolio/crif/read-crif.js';
import { computeSimm, loadSimmParameters } from '../src/risk/simm/index.js';
import { cli, tempFiles } from './cli-helpers.js';

/** `crossmargin crif`: a book's SIMM sensitivities as CRIF, readable back, margined to the `simm` model's figure. */
describe('crossmargin crif', () => {
  const sample = (name: string): string[] => ['--portfolio', `samples/${name}/portfolio.json`, '--market', `samples/${name}/market.json`];

  it('writes CRIF that parseCrif reads back and computeSimm margins to the simm model’s initial margin (USD account)', async () => {
    const crif = await cli('crif', ...sample('crypto-mixed'));
    expect(crif.code).toBe(0);
    expect(crif.out.split('\n')[0]).toBe('TradeID,PortfolioID,ProductClass,RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency,AmountUSD');
    const rows = parseCrif(crif.out, 'stdout');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.amountCurrency === 'USD' && r.portfolioId === 'crypto-basis-fund')).toBe(true);
    const margin = await cli('margin', '--model', 'simm', '--json', ...sample('crypto-mixed'));
    expect(margin.code).toBe(0);
    const result = JSON.parse(margin.out) as { initialMargin: number; currency: string; fidelity: { tag: string } };
    expect(result.currency).toBe('USD');
    expect(result.fidelity.tag).toBe('approx.');
    expect(computeSimm(rows, loadSimmParameters('2.6', '10d')).total).toBe(result.initialMargin);
  });

  it('--out writes the file and says how many rows; `crossmargin simm --crif` on it gives the same total', async () => {
    const files = tempFiles();
    const out = join(files.dir, 'book.crif.csv');
    const r = await cli('crif', ...sample('btc-options'), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^wrote \d+ CRIF rows to .*book\.crif\.csv \(ISDA SIMM v2\.6, 10d: initial margin [\d,.]+ USD\)/);
    const rows = parseCrif(readFileSync(out, 'utf8'), out);
    expect(rows.some((row) => row.riskType === 'Risk_EquityVol' && row.qualifier === 'BTC')).toBe(true);
    expect(rows.some((row) => row.tradeId === 'collateral.BTC')).toBe(true);
    const simm = await cli('simm', '--crif', out, '--json');
    expect(simm.code).toBe(0);
    const total = (JSON.parse(simm.out) as { total: number }).total;
    expect(total).toBe(computeSimm(rows, loadSimmParameters('2.6', '10d')).total);
  });

  it('--params places names elsewhere (BTC as commodity bucket 16); bad parameters are MODEL_PARAMS_INVALID naming the field', async () => {
    const files = tempFiles();
    const params = files.write('params.json', { underlyings: { BTC: { riskClass: 'Commodity', bucket: '16' } } });
    const r = await cli('crif', ...sample('spx-futures-options'), '--params', params);
    expect(r.code).toBe(0);
    const bad = files.write('bad.json', { defaultMapping: { riskClass: 'Commodity', bucket: '99' } });
    const refused = await cli('crif', ...sample('crypto-mixed'), '--params', bad);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/^error \[MODEL_PARAMS_INVALID\]: .*defaultMapping\.bucket/);
    const btc = await cli('crif', ...sample('btc-options'), '--params', params);
    expect(parseCrif(btc.out, 'x').every((row) => row.productClass === 'Commodity' && row.bucket === '16')).toBe(true);
  });

  it('--help explains the command; a missing --market is a usage error; an unwritable --out is FILE_UNWRITABLE', async () => {
    const help = await cli('crif', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--portfolio <file>/);
    expect(help.out).toMatch(/crossmargin simm --crif/);
    const missing = await cli('crif', '--portfolio', 'samples/crypto-mixed/portfolio.json');
    expect(missing.code).toBe(2);
    const unwritable = await cli('crif', ...sample('crypto-mixed'), '--out', '/nonexistent-dir/x.csv');
    expect(unwritable.code).not.toBe(0);
    expect(unwritable.err).toMatch(/FILE_UNWRITABLE/);
  });
});
