import type { MarketHistory } from '../scenarios/history/market-history.js';
import { loadMarketHistory } from '../scenarios/history/load-market-history.js';

/** `--history` help text, shared by every subcommand that margins with history-based models. */
export const HISTORY_OPTION_HELP =
  'daily price history for history-based models: FILE[,FILE...] as UNDERLYING=path.csv, UNDERLYING:vol=path.csv ' +
  '(vol index), or a bundled-style file name (btc_usd_daily.csv → BTC); underlyings not given use the bundled data';

/** Splits `--history a,b` and returns the loader computeMargins calls with the book's underlyings. */
export function historyLoader(option: string | undefined): (underlyings: readonly string[]) => MarketHistory {
  const specs = option === undefined ? [] : option.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return (underlyings) => loadMarketHistory(underlyings, specs);
}
