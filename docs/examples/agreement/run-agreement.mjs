// Margins a portfolio under a cross-margining agreement and prints the MarginResult as JSON (docs/models/agreement.md).
// Run from the repository root after `npm run build`:
//   node docs/examples/agreement/run-agreement.mjs [agreement.json] [portfolio.json] [market.json]
// Defaults: the files next to this script. Until the CLI flag is wired this stands in for
//   crossmargin margin --agreement FILE --portfolio P --market M --json
import { readFileSync } from 'node:fs';
import { parseMarketSnapshot } from '../../../dist/src/index.js';
import { computeAgreementMargin } from '../../../dist/src/agreement/compute-agreement-margin.js';

const dir = 'docs/examples/agreement/';
const [agreementPath = `${dir}agreement.json`, portfolioPath = `${dir}portfolio.json`, marketPath = `${dir}market.json`] = process.argv.slice(2);
const read = (path) => JSON.parse(readFileSync(path, 'utf8'));

const market = parseMarketSnapshot(read(marketPath), marketPath);
const result = computeAgreementMargin({ document: read(portfolioPath), source: portfolioPath }, market, read(agreementPath), {
  agreementSource: agreementPath,
});
console.log(JSON.stringify(result, null, 2));
