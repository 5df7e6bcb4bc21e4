import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseParameterSet, type ParameterSet } from '../src/calibration/parameter-set.js';
import { cli, tempFiles } from './cli-helpers.js';

/** calibrate → margin / compare / backtest --param-set: calibrate's output is usable as it is (issue 16, item 4). */
const files = tempFiles();
const PORTFOLIO = 'samples/btc-options/portfolio.json';
const MARKET = 'samples/btc-options/market.json';
let setFile: string;
let set: ParameterSet;

async function initialMargin(...args: string[]): Promise<number> {
  const run = await cli('margin', '--portfolio', PORTFOLIO, '--market', MARKET, '--json', ...args);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.out) as { initialMargin: number }).initialMargin;
}

beforeAll(async () => {
  setFile = join(files.dir, 'params-v1.json');
  const run = await cli('calibrate', '--underlyings', 'BTC', '--as-of', '2024-06-14', '--stressed-window', '2020-02-20:2020-04-30', '--out', setFile);
  expect(run.code).toBe(0);
  set = parseParameterSet(JSON.parse(readFileSync(setFile, 'utf8')), setFile);
}, 60_000);

describe('--param-set with the file calibrate writes', () => {
  it.each([
    ['scenario-grid', (r: ParameterSet['scanRanges']['underlyings'][string]) => ({ underlyings: { BTC: { priceRange: r.scenarioGrid.priceRange } } })],
    ['span', (r: ParameterSet['scanRanges']['underlyings'][string]) => ({ underlyings: { BTC: { priceScanRange: r.span.priceScanRange, volScanRange: r.span.volScanRange } } })],
  ] as const)('margin --model %s: the margin of the calibrated scan ranges, not of the defaults', async (model, paramsOf) => {
    const range = set.scanRanges.underlyings.BTC!;
    const calibrated = await initialMargin('--model', model, '--param-set', setFile);
    const byHand = await initialMargin('--model', model, '--params', files.write(`${model}-by-hand.json`, paramsOf(range)));
    const defaults = await initialMargin('--model', model);
    expect(calibrated).toBe(byHand);
    expect(calibrated).not.toBe(defaults);
  });

  it('scenario-grid: the margin moves with the calibrated price range (a wider range, a larger margin)', async () => {
    const range = set.scanRanges.underlyings.BTC!.scenarioGrid.priceRange;
    const calibrated = await initialMargin('--model', 'scenario-grid', '--param-set', setFile);
    const defaults = await initialMargin('--model', 'scenario-grid'); // default priceRange 0.15
    expect(range).not.toBe(0.15);
    expect(calibrated > defaults).toBe(range > 0.15);
  });

  it('--param-set over --params: the params file keeps its other fields, the set sets the scan range', async () => {
    const range = set.scanRanges.underlyings.BTC!.scenarioGrid.priceRange;
    const base = files.write('grid-base.json', { initialRatio: 1.3, underlyings: { BTC: { priceRange: 0.05, volShifts: [0.5, 0, -0.5] } } });
    const both = await initialMargin('--model', 'scenario-grid', '--params', base, '--param-set', setFile);
    const byHand = await initialMargin('--model', 'scenario-grid', '--params', files.write('grid-merged.json', { initialRatio: 1.3, underlyings: { BTC: { priceRange: range, volShifts: [0.5, 0, -0.5] } } }));
    expect(both).toBe(byHand);
    // Both kept fields matter: without them the margin differs.
    expect(both).not.toBe(await initialMargin('--model', 'scenario-grid', '--param-set', setFile));
  });

  it('compare --param-set: the calibrated models use it, the others their defaults', async () => {
    const run = await cli('compare', '--portfolio', PORTFOLIO, '--market', MARKET, '--models', 'scenario-grid,isolated-simple', '--param-set', setFile, '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.out) as { model: string; result: { initialMargin: number } }[];
    expect(rows[0]?.result.initialMargin).toBe(await initialMargin('--model', 'scenario-grid', '--param-set', setFile));
    expect(rows[1]?.result.initialMargin).toBe(await initialMargin('--model', 'isolated-simple'));
  });

  it('a model the set gives no params to: MODEL_PARAMS_INVALID naming --param-set and both sides', async () => {
    const run = await cli('margin', '--portfolio', PORTFOLIO, '--market', MARKET, '--model', 'isolated-simple', '--param-set', setFile, '--json');
    expect(run.code).toBe(7);
    expect(run.out).toBe('');
    const error = (JSON.parse(run.err) as { error: { code: string; field: string; message: string } }).error;
    expect(error).toMatchObject({ code: 'MODEL_PARAMS_INVALID', field: '--param-set' });
    expect(error.message).toBe('--param-set: a calibrated parameter set (crossmargin-params-1) is for span, tims, scenario-grid, not for model isolated-simple');
    const backtest = await cli('backtest', '--portfolio', PORTFOLIO, '--from', '2020-01-01', '--to', '2020-03-01', '--models', 'hs-var', '--param-set', setFile);
    expect(backtest.code).toBe(7);
    expect(backtest.err).toBe(`error [MODEL_PARAMS_INVALID]: --param-set: ${setFile} is for span, tims, scenario-grid, none of the selected models hs-var\n`);
  });
});

describe('--param-set with a {model, version, params} file', () => {
  it('applies to its model and names both models for another', async () => {
    const file = files.write('grid-v7.json', { model: 'scenario-grid', version: 'v7', params: { priceRange: 0.3 } });
    expect(await initialMargin('--model', 'scenario-grid', '--param-set', file)).toBe(
      await initialMargin('--model', 'scenario-grid', '--params', files.write('grid-03.json', { priceRange: 0.3 })),
    );
    const run = await cli('margin', '--portfolio', PORTFOLIO, '--market', MARKET, '--model', 'span', '--param-set', file);
    expect(run.code).toBe(7);
    expect(run.err).toBe('error [MODEL_PARAMS_INVALID]: --param-set: the parameter set is for model scenario-grid, not for model span\n');
  });

  it('a file of neither form: SCHEMA_INVALID naming the file and the field', async () => {
    const file = files.write('bad.json', { model: 'span', params: {} });
    const run = await cli('margin', '--portfolio', PORTFOLIO, '--market', MARKET, '--model', 'span', '--param-set', file);
    expect(run.code).toBe(4);
    expect(run.err).toBe(`error [SCHEMA_INVALID]: ${file}: version: Invalid input: expected string, received undefined\n`);
  });
});
