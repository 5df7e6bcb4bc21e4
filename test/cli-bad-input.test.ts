import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/core/errors.js';
import { cli, tempFiles } from './cli-helpers.js';

const BTC_MARKET = 'samples/btc-options/market.json';
const files = tempFiles();
let fileCount = 0;
const portfolioWith = (instrument: unknown, quantity: unknown = 1): string =>
  files.write(`p-${++fileCount}.json`, { account: 'bad', positions: [{ instrument, quantity }] });

/** Each bad input exits non-zero with ONE line naming the code and the field or file, never a stack trace. */
async function expectCleanFailure(args: string[], code: keyof typeof ERROR_CATALOGUE, mentions: RegExp): Promise<void> {
  const run = await cli(...args);
  expect(run.code).toBe(ERROR_CATALOGUE[code].exitCode);
  expect(run.code).not.toBe(0);
  expect(run.out).toBe('');
  expect(run.err.trim().split('\n')).toHaveLength(1);
  expect(run.err).toContain(`[${code}]`);
  expect(run.err).toMatch(mentions);
  expect(run.err).not.toMatch(/\n\s+at /);
}

const margin = (portfolio: string, market = BTC_MARKET, model = 'scenario-grid') => ['margin', '--portfolio', portfolio, '--market', market, '--model', model];

describe('CLI: bad input gives one clear coded message', () => {
  it('unknown instrument name', async () => {
    await expectCleanFailure(margin(portfolioWith('BTC-FOO-BAR')), 'INSTRUMENT_NAME_INVALID', /positions\.0\.instrument.*BTC-FOO-BAR/);
  });
  it('unknown coin for an inverse contract', async () => {
    await expectCleanFailure(margin(portfolioWith('DOGE-PERPETUAL')), 'INSTRUMENT_UNKNOWN', /positions\.0\.instrument/);
  });
  it('an underlying missing from the market', async () => {
    await expectCleanFailure(margin(portfolioWith('ETH-26JUN20-200-C')), 'MARKET_UNDERLYING_MISSING', /positions\.0\.instrument.*ETH/);
  });
  it('a NaN strike in a full spec', async () => {
    const spec = { symbol: 'X', kind: 'option', underlying: 'BTC', expiry: '2020-06-26', strike: 'NaN', right: 'call' };
    await expectCleanFailure(margin(portfolioWith(spec)), 'INSTRUMENT_SPEC_INVALID', /positions\.0\.instrument\.strike/);
  });
  it('a NaN strike in a name', async () => {
    await expectCleanFailure(margin(portfolioWith('BTC-26JUN20-NaN-C')), 'INSTRUMENT_NAME_INVALID', /strike/);
  });
  it('a negative strike', async () => {
    const spec = { symbol: 'X', kind: 'option', underlying: 'BTC', expiry: '2020-06-26', strike: -5, right: 'put' };
    await expectCleanFailure(margin(portfolioWith(spec)), 'INSTRUMENT_SPEC_INVALID', /positions\.0\.instrument\.strike/);
  });
  it('an option expired at the market date', async () => {
    await expectCleanFailure(margin(portfolioWith('BTC-20MAY20-9000-C')), 'INSTRUMENT_EXPIRED', /positions\.0\.instrument.*BTC-20MAY20-9000-C/);
  });
  it('a non-numeric quantity', async () => {
    await expectCleanFailure(margin(portfolioWith('BTC-PERPETUAL', 'ten')), 'SCHEMA_INVALID', /positions\.0\.quantity/);
  });
  it('malformed JSON, naming the file', async () => {
    const path = files.write('broken.json', '{"account": "x", "positions": [');
    await expectCleanFailure(margin(path), 'JSON_MALFORMED', /broken\.json/);
  });
  it('malformed market JSON, naming the file', async () => {
    const path = files.write('broken-market.json', '{ asOf: nope }');
    await expectCleanFailure(margin('samples/btc-options/portfolio.json', path), 'JSON_MALFORMED', /broken-market\.json/);
  });
  it('a market with a negative index, naming the field', async () => {
    const path = files.write('neg.json', { asOf: '2020-05-21T00:00:00Z', underlyings: { BTC: { index: -1 } } });
    await expectCleanFailure(margin('samples/btc-options/portfolio.json', path), 'SCHEMA_INVALID', /underlyings\.BTC\.index/);
  });
  it('a missing file', async () => {
    await expectCleanFailure(margin('does/not/exist.json'), 'FILE_NOT_FOUND', /does\/not\/exist\.json/);
  });
  it('an unknown model', async () => {
    await expectCleanFailure(margin('samples/btc-options/portfolio.json', BTC_MARKET, 'nope'), 'MODEL_UNKNOWN', /nope.*scenario-grid/);
  });
  it('invalid model parameters', async () => {
    const params = files.write('params.json', { priceRange: 'wide' });
    await expectCleanFailure([...margin('samples/btc-options/portfolio.json'), '--params', params], 'MODEL_PARAMS_INVALID', /priceRange/);
  });
  it('price: an unknown instrument', async () => {
    await expectCleanFailure(['price', '--market', BTC_MARKET, '--instrument', 'BTC-31FEB20-9000-C'], 'INSTRUMENT_NAME_INVALID', /31FEB20/);
  });
  it('snapshot: a rate that is not a plain decimal', async () => {
    const args = ['snapshot', '--chain', 'data/deribit_btc_options_2020-05-21.csv', '--underlying', 'BTC', '--as-of', '2020-05-21T23:21:00Z'];
    await expectCleanFailure([...args, '--rate', '0x10'], 'USAGE_INVALID', /--rate.*0x10/);
  });
  it('snapshot: an output path that cannot be written', async () => {
    const args = ['snapshot', '--chain', 'data/deribit_btc_options_2020-05-21.csv', '--underlying', 'btc', '--as-of', '2020-05-21T23:21:00Z'];
    await expectCleanFailure([...args, '--out', `${files.dir}/no/such/dir/m.json`], 'FILE_UNWRITABLE', /no\/such\/dir/);
  });
  it('history for an underlying that has none', async () => {
    const portfolio = files.write('doge.json', { account: 'x', positions: [{ instrument: 'BTC_USDC-PERPETUAL', quantity: 1 }] });
    const market = files.write('doge-market.json', { asOf: '2025-09-23T00:00:00Z', underlyings: { BTC: { index: 112000 } }, fx: { USDC: 1 } });
    await expectCleanFailure(['margin', '--model', 'hs-var', '--portfolio', portfolio, '--market', market, '--history', 'ETH=data/eth_usdt_binance_daily.csv'], 'USAGE_INVALID', /ETH/);
  });
  it('history too short for the lookback', async () => {
    const portfolio = files.write('sol.json', { account: 'x', positions: [{ instrument: 'SOL_USDC-PERPETUAL', quantity: 1 }] });
    const market = files.write('sol-market.json', { asOf: '2021-01-05T00:00:00Z', underlyings: { SOL: { index: 2.5 } }, fx: { USDC: 1 } });
    await expectCleanFailure(['margin', '--model', 'hs-var', '--portfolio', portfolio, '--market', market], 'HISTORY_INVALID', /SOL.*only \d+ available/);
  });
  it('stale history', async () => {
    const portfolio = files.write('spx.json', { account: 'x', positions: [{ instrument: { symbol: 'ESZ4', kind: 'future', underlying: 'SPX', expiry: '2024-12-20', multiplier: 50 }, quantity: 1 }] });
    const market = files.write('spx-market.json', { asOf: '2024-06-17T00:00:00Z', underlyings: { SPX: { index: 5400 } } });
    await expectCleanFailure(['margin', '--model', 'parametric-var', '--portfolio', portfolio, '--market', market], 'HISTORY_INVALID', /ends 2020-04-17.*stale/);
  });
  it('an unknown previous state for account', async () => {
    await expectCleanFailure(['account', '--portfolio', 'samples/btc-options/portfolio.json', '--market', BTC_MARKET, '--model', 'span', '--previous-state', 'panic'], 'USAGE_INVALID', /--previous-state/);
  });
  it('--json prints the error as JSON on stderr', async () => {
    const run = await cli(...margin(portfolioWith('BTC-FOO')), '--json');
    expect(run.code).toBe(ERROR_CATALOGUE.INSTRUMENT_NAME_INVALID.exitCode);
    const body = JSON.parse(run.err) as { error: { code: string; field: string } };
    expect(body.error.code).toBe('INSTRUMENT_NAME_INVALID');
    expect(body.error.field).toContain('positions.0.instrument');
  });
  it('a missing required option is a usage error (exit 2)', async () => {
    const run = await cli('margin', '--model', 'scenario-grid');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/--portfolio/);
  });
  it('a missing model is a usage error naming --model', async () => {
    await expectCleanFailure(['margin', '--portfolio', 'samples/btc-options/portfolio.json', '--market', BTC_MARKET], 'USAGE_INVALID', /--model/);
  });
  it('a missing market is a usage error unless a SPAN file stands in for it', async () => {
    await expectCleanFailure(['margin', '--portfolio', 'samples/btc-options/portfolio.json', '--model', 'scenario-grid'], 'USAGE_INVALID', /--market/);
  });
  it('an unknown command is a usage error (exit 2)', async () => {
    const run = await cli('frobnicate');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/unknown command/);
  });
});
