import { CrossmarginError } from '../core/errors.js';
import { parseScenarioLibrary, type StressScenario, type StressScenarioInput } from './scenario-library.js';

const CRYPTO = ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'LTC'];

/**
 * The built-in stress library (docs/stress-testing.md "Built-in library"). Historical periods are cut from the
 * bundled data (data/history-catalogue.json) when a book is stressed, so the numbers are those of the data shipped,
 * not typed in here. Hypothetical and breakdown sizes are round illustrations, not calibrated figures.
 */
const DEFAULT_LIBRARY_INPUT: readonly StressScenarioInput[] = [
  { kind: 'historical', id: 'crypto-2020-03-12', label: 'Black Thursday: COVID crash in crypto', from: '2020-03-12', to: '2020-03-12' },
  { kind: 'historical', id: 'crypto-2021-05-19', label: 'May 2021 crypto crash (China mining ban, leverage flush)', from: '2021-05-19', to: '2021-05-19' },
  { kind: 'historical', id: 'crypto-2022-05-luna', label: 'Terra/LUNA collapse', from: '2022-05-09', to: '2022-05-12' },
  { kind: 'historical', id: 'crypto-2022-11-ftx', label: 'FTX collapse', from: '2022-11-08', to: '2022-11-10' },
  { kind: 'historical', id: 'equity-2008-10', label: 'October 2008: global financial crisis', from: '2008-10-01', to: '2008-10-31' },
  { kind: 'historical', id: 'equity-2020-03-16', label: 'COVID equity crash (largest SPX fall since 1987)', from: '2020-03-16', to: '2020-03-16' },
  {
    kind: 'hypothetical',
    id: 'crypto-down-40',
    label: 'crypto crash: BTC −30 %, alts −40 to −50 %, vols × 1.5',
    moves: { BTC: -0.3, ETH: -0.4, SOL: -0.5, XRP: -0.45, DOGE: -0.5, LTC: -0.45 },
    volMoves: Object.fromEntries(CRYPTO.map((u) => [u, 0.5])),
  },
  {
    kind: 'hypothetical',
    id: 'crypto-up-40',
    label: 'crypto squeeze: BTC +30 %, alts +40 %, vols × 1.3',
    moves: { BTC: 0.3, ETH: 0.4, SOL: 0.4, XRP: 0.4, DOGE: 0.4, LTC: 0.4 },
    volMoves: Object.fromEntries(CRYPTO.map((u) => [u, 0.3])),
  },
  {
    kind: 'hypothetical',
    id: 'equity-down-20',
    label: 'equity crash: indices −20 %, implied vols × 2',
    moves: { SPX: -0.2, DAX: -0.2, SMI: -0.2, CAC: -0.2, FTSE: -0.2 },
    volMoves: { SPX: 1, DAX: 1, SMI: 1, CAC: 1, FTSE: 1 },
  },
  { kind: 'correlation-breakdown', id: 'btc-eth-decouple', label: 'BTC and ETH move 20 % apart', legs: ['BTC', 'ETH'], spread: 0.2 },
  { kind: 'correlation-breakdown', id: 'btc-alts-decouple', label: 'BTC against the altcoins, 30 % apart, in a 10 % fall', legs: CRYPTO, spread: 0.3, common: -0.1 },
  { kind: 'correlation-breakdown', id: 'gold-token-basis', label: 'PAXG token against spot gold, 5 % apart', legs: ['XAU', 'PAXG'], spread: 0.05 },
  { kind: 'correlation-breakdown', id: 'crypto-equity-decouple', label: 'BTC against SPX, 20 % apart', legs: ['BTC', 'SPX'], spread: 0.2 },
];

export const DEFAULT_STRESS_LIBRARY: readonly StressScenario[] = Object.freeze(parseScenarioLibrary([...DEFAULT_LIBRARY_INPUT], 'built-in library'));

/** Built-in scenarios by id (comma list); USAGE_INVALID naming `field` and the known ids for an unknown one. */
export function selectBuiltInScenarios(ids: readonly string[], field = 'scenarios'): StressScenario[] {
  return ids.map((id) => {
    const found = DEFAULT_STRESS_LIBRARY.find((s) => s.id === id);
    if (found === undefined) {
      throw new CrossmarginError('USAGE_INVALID', `${field}: no built-in scenario "${id}" (built-in: ${DEFAULT_STRESS_LIBRARY.map((s) => s.id).join(', ')})`, {
        field,
        details: { id, known: DEFAULT_STRESS_LIBRARY.map((s) => s.id) },
      });
    }
    return found;
  });
}
