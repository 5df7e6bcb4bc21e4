// Loads two bundled daily histories, aligns them on shared dates and prints what was dropped, the calendar
// gaps, and the first log returns. Run from the repository root after `npm run build`:
//   node docs/examples/panel-example.mjs
import { alignPanel, loadPriceHistory, logReturns } from '../../dist/src/index.js';

const btc = loadPriceHistory('data/btc_usd_daily.csv');
const spx = loadPriceHistory('data/sp500_daily.csv');
console.log(`BTC rows ${btc.dates.length} (${btc.dates[0]} .. ${btc.dates.at(-1)})`);
console.log(`SPX rows ${spx.dates.length} (${spx.dates[0]} .. ${spx.dates.at(-1)})`);

const panel = alignPanel([
  { name: 'BTC', history: btc },
  { name: 'SPX', history: spx },
]);
console.log(`aligned dates ${panel.dates.length} (${panel.dates[0]} .. ${panel.dates.at(-1)})`);
for (const d of panel.dropped) console.log(`dropped ${d.name}: ${d.dates.length} dates, first ${d.dates[0]}`);
for (const g of panel.gaps) console.log(`gap ${g.name}: ${g.from} -> ${g.to} (${g.days} days)`);

const r = logReturns(panel.closes[0]);
console.log(`BTC aligned log returns: ${r.length}; first three ${[...r.slice(0, 3)].map((x) => x.toFixed(6)).join(', ')}`);
console.log(`BTC closes on ${panel.dates.slice(0, 4).join(', ')}: ${[...panel.closes[0].slice(0, 4)].join(', ')}`);
