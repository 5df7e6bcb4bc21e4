// The filter states behind docs/models/fhs-es.md examples 1 and 2 (fhs-es does not report them): EWMA (λ = 0.94) and
// GARCH(1,1) (zero mean, maximum likelihood) on the bundled BTC history from its first date to 2020-04-17.
// Run from the repository root after `npm run build`:
//   node docs/examples/var/fhs-filters.mjs
import { loadMarketHistory } from '../../../dist/src/index.js';
import { ewmaVariance, fitGarch11, garchVariance } from '../../../dist/src/numerics/volatility-filters.js';

const history = loadMarketHistory(['BTC']);
const T = history.dates.indexOf('2020-04-17');
const close = history.close[0].subarray(0, T + 1);
const r = new Float64Array(T);
for (let j = 0; j < T; j++) r[j] = Math.log(close[j + 1] / close[j]);

const ewma = ewmaVariance(r, 0.94);
const fit = fitGarch11(r);
const garch = garchVariance(fit.params, r);
// Slot j of a forecast series is the variance of r_j, the return ending on date j + 1; slot T is tomorrow's.
const start = history.dates.indexOf('2020-03-10'); // the 2-day scenario ending 2020-03-12 starts here
console.log(`returns ${r.length} (${history.dates[0]} .. ${history.dates[T]})`);
console.log(`GARCH omega ${fit.params.omega} alpha ${fit.params.alpha} beta ${fit.params.beta} persistence ${fit.persistence}`);
console.log(`sigma tomorrow:           EWMA ${Math.sqrt(ewma[T])}  GARCH ${Math.sqrt(garch[T])}`);
console.log(`sigma for 2020-03-11:     EWMA ${Math.sqrt(ewma[start])}  GARCH ${Math.sqrt(garch[start])}`);
