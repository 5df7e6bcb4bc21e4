import type { CrifRow } from '../../portfolio/crif/crif-row.js';
import { CRIF_PRODUCT_CLASSES } from '../../portfolio/crif/crif-row.js';
import { creditMargin } from './credit-margin.js';
import { equityCommodityMargin } from './equity-commodity-margin.js';
import { fxMargin } from './fx-margin.js';
import { irMargin } from './ir-margin.js';
import { placeSimmRows, type NettedFactor } from './place-simm-rows.js';
import { simmAddOns } from './simm-add-ons.js';
import type { SimmNode, SimmResult } from './simm-node.js';
import { SIMM_RISK_CLASSES, type SimmParameters, type SimmRiskClass } from './simm-parameters.js';

export type { SimmNode, SimmResult } from './simm-node.js';

function riskClassMargin(riskClass: SimmRiskClass, factors: readonly NettedFactor[], p: SimmParameters): SimmNode {
  switch (riskClass) {
    case 'IR':
      return irMargin(factors, p);
    case 'CreditQ':
    case 'CreditNonQ':
      return creditMargin(riskClass, factors, p);
    case 'Equity':
    case 'Commodity':
      return equityCommodityMargin(riskClass, factors, p);
    case 'FX':
      return fxMargin(factors, p);
  }
}

/** SIMM_product = √(Σ_r IM_r² + Σ_{r≠s} ψ_rs IM_r IM_s) over the risk classes of one product class. */
function productClassMargin(riskClasses: readonly SimmNode[], p: SimmParameters): number {
  let variance = 0;
  for (const a of riskClasses) {
    for (const b of riskClasses) {
      const psi = p.riskClassCorrelation[SIMM_RISK_CLASSES.indexOf(a.name as SimmRiskClass)]![SIMM_RISK_CLASSES.indexOf(b.name as SimmRiskClass)]!;
      variance += (a === b ? 1 : psi) * a.amount * b.amount;
    }
  }
  return Math.sqrt(Math.max(variance, 0));
}

/**
 * ISDA SIMM initial margin of a CRIF book, USD (docs/models/simm.md): rows netted per risk factor, then per product
 * class the risk-class margins (delta, vega, curvature, base correlation), ψ across risk classes, the sum over product
 * classes, and the add-ons. A row SIMM cannot place is SCHEMA_INVALID naming `row <n>` and the column.
 */
export function computeSimm(rows: readonly CrifRow[], parameters: SimmParameters): SimmResult {
  const book = placeSimmRows(rows, parameters);
  const productNodes: SimmNode[] = [];
  const productMargins = new Map<string, number>();
  for (const productClass of CRIF_PRODUCT_CLASSES) {
    const inProduct = book.factors.filter((f) => f.productClass === productClass);
    if (inProduct.length === 0) continue;
    const riskNodes = SIMM_RISK_CLASSES.map((rc) => ({ rc, factors: inProduct.filter((f) => f.riskClass === rc) }))
      .filter((x) => x.factors.length > 0)
      .map((x) => riskClassMargin(x.rc, x.factors, parameters));
    const amount = productClassMargin(riskNodes, parameters);
    productMargins.set(productClass, amount);
    productNodes.push({ name: productClass, level: 'product-class', amount, children: riskNodes });
  }
  const addOn = simmAddOns(book.addOns, productMargins);
  const children = addOn === undefined ? productNodes : [...productNodes, addOn];
  const total = children.reduce((t, c) => t + c.amount, 0);
  return { total, tree: { name: 'SIMM', level: 'total', amount: total, children }, currency: 'USD' };
}
