import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../market/market-snapshot.js';
import { computeMargin } from '../models/compute-margin.js';
import { importSpanFile } from '../models/span/import/import-span-file.js';
import { agreementRiskFiles, parseAgreement } from './agreement-schema.js';
import { computeAgreementMargin } from './compute-agreement-margin.js';

/**
 * A SPAN-file market inside a cross-margining agreement (issue 20 §3): the market names its exchange file
 * (`riskFile`), the face imports it and hands the document over; the market's standalone margin is the span model's
 * on that file, as `margin --model span --span-file` computes it. McMillan's covered write (docs/methods/span.md §6)
 * in the positional format the team wrote from CME's published layout (samples/span/mcmillan.pa2).
 */
const market = parseMarketSnapshot({ asOf: '1989-10-02T00:00:00Z', underlyings: {} });
const coveredWrite = { account: 'm', currency: 'USD', positions: [{ instrument: 'SP 198912', quantity: 1 }, { instrument: 'SP 198912 C 410', quantity: -1 }] };
const agreement = {
  name: 'CME SPAN file',
  markets: { CME: { model: 'span', riskFile: 'mcmillan.pa2', params: { accountType: 'member' }, products: [{ kind: 'future' }, { kind: 'option' }] } },
  joint: { model: 'span', riskFile: 'mcmillan.pa2', params: { accountType: 'member' } },
};

describe('an agreement market margined on an exchange SPAN file', () => {
  it('lists the files to load and margins the market on the imported file, as the span model does alone', async () => {
    expect(agreementRiskFiles(parseAgreement(agreement))).toEqual([
      { path: 'markets.CME', file: 'mcmillan.pa2', model: 'span' },
      { path: 'joint', file: 'mcmillan.pa2', model: 'span' },
    ]);
    const { document } = await importSpanFile('samples/span/mcmillan.pa2');
    const result = computeAgreementMargin({ document: coveredWrite }, market, agreement, { riskParameters: { 'markets.CME': document, joint: document } });
    const alone = computeMargin({ document: coveredWrite }, market, 'span', { riskParameters: document, riskParametersSource: 'test', params: { accountType: 'member' } });
    // No eligible pairs: no relief, the margin is the market's standalone span margin.
    expect(result.initialMargin).toBe(alone.initialMargin);
    expect(result.maintenanceMargin).toBe(alone.maintenanceMargin);
    expect(alone.maintenanceMargin).toBeGreaterThan(0);
  });

  it('refuses a file that was not loaded, and a riskFile on a model that reads none, naming the field', () => {
    expect(() => computeAgreementMargin({ document: coveredWrite }, market, agreement, { agreementSource: 'a.json' })).toThrow(
      expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'markets.CME.riskFile', message: expect.stringContaining('a.json: markets.CME.riskFile: "mcmillan.pa2" was not loaded') }),
    );
    const wrong = { ...agreement, markets: { CME: { ...agreement.markets.CME, model: 'scenario-grid', params: {} } } };
    expect(() => parseAgreement(wrong, 'a.json')).toThrow(expect.objectContaining({ code: 'MODEL_PARAMS_INVALID', field: 'markets.CME.riskFile' }));
  });
});
