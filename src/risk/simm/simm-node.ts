/** One node of the SIMM tree: total → product class → risk class → margin type → bucket (ISDA SIMM methodology). */
export interface SimmNode {
  readonly name: string;
  readonly level: 'total' | 'product-class' | 'risk-class' | 'margin-type' | 'bucket';
  /** Margin of the node, USD (a positive amount). */
  readonly amount: number;
  readonly children: SimmNode[];
}

/** What `computeSimm` returns: the total initial margin in USD and the tree that explains it. */
export interface SimmResult {
  readonly total: number;
  readonly tree: SimmNode;
  readonly currency: 'USD';
}
