import type { RiskClassAggregation } from './aggregate-buckets.js';
import type { SimmNode } from './simm-node.js';

export type SimmMarginType = 'Delta' | 'Vega' | 'Curvature' | 'BaseCorr';

/** One margin type of a risk class, with an optional factor applied to the whole (the IR curvature HVR_IR⁻²). */
export interface MarginPart {
  readonly marginType: SimmMarginType;
  readonly aggregation: RiskClassAggregation;
  readonly scale?: number;
}

/**
 * IM_r = Delta + Vega + Curvature (+ BaseCorr for CreditQ) as a risk-class node, margin types below it and their
 * buckets (K_b) below them; empty margin types are left out.
 */
export function riskClassNode(riskClass: string, parts: readonly MarginPart[]): SimmNode {
  const children: SimmNode[] = parts
    .filter((p) => p.aggregation.buckets.length > 0)
    .map((p) => {
      const scale = p.scale ?? 1;
      return {
        name: p.marginType,
        level: 'margin-type',
        amount: p.aggregation.margin * scale,
        children: [...p.aggregation.buckets].sort(bucketOrder).map((b) => ({ name: b.bucket, level: 'bucket', amount: b.k * scale, children: [] })),
      };
    });
  return { name: riskClass, level: 'risk-class', amount: children.reduce((t, c) => t + c.amount, 0), children };
}

/** Buckets as a reader expects them: numbered ones in numeric order (2 before 11), then named ones, Residual last. */
function bucketOrder(a: { readonly bucket: string }, b: { readonly bucket: string }): number {
  const rank = (name: string): [number, number, string] => (/^\d+$/.test(name) ? [0, Number(name), ''] : name === 'Residual' ? [2, 0, ''] : [1, 0, name]);
  const [ga, na, sa] = rank(a.bucket);
  const [gb, nb, sb] = rank(b.bucket);
  return ga - gb || na - nb || (sa < sb ? -1 : sa > sb ? 1 : 0);
}
