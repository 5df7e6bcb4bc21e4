import type { AddOnRows } from './place-simm-rows.js';
import type { SimmNode } from './simm-node.js';

/**
 * The add-ons of SIMM (methodology, "Add-ons"; CRIF Param_* rows), USD: a product class multiplier m adds
 * (m − 1) × SIMM_product; a notional factor (in percent) adds factor / 100 × |notional| of its product; fixed amounts
 * add as given. Returns the 'AddOn' node (undefined when there is none) whose amount joins the total.
 */
export function simmAddOns(addOns: AddOnRows, productMargins: ReadonlyMap<string, number>): SimmNode | undefined {
  const children: SimmNode[] = [];
  for (const [productClass, multiplier] of [...addOns.multipliers].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const amount = (multiplier - 1) * (productMargins.get(productClass) ?? 0);
    children.push({ name: `ProductClassMultiplier ${productClass}`, level: 'risk-class', amount, children: [] });
  }
  let notional = 0;
  for (const [product, factor] of addOns.notionalFactors) notional += (factor / 100) * Math.abs(addOns.notionals.get(product) ?? 0);
  if (addOns.notionalFactors.size > 0) children.push({ name: 'AddOnNotional', level: 'risk-class', amount: notional, children: [] });
  if (addOns.fixedAmount !== 0) children.push({ name: 'AddOnFixedAmount', level: 'risk-class', amount: addOns.fixedAmount, children: [] });
  if (children.length === 0) return undefined;
  return { name: 'AddOn', level: 'product-class', amount: children.reduce((t, c) => t + c.amount, 0), children };
}
