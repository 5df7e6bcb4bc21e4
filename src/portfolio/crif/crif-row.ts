/**
 * One row of a CRIF file (ISDA's Common Risk Interchange Format, the sensitivities SIMM margins; docs/methods/simm.md,
 * issue 19): a risk type, its qualifier, bucket and labels, and the sensitivity amount in USD. Rows read from a file
 * carry their 1-based line number there (`row`) so an error or a result names it.
 */
export interface CrifRow {
  /** Line of the row in its file (the header is line 1), for errors and explanations. */
  readonly row: number;
  readonly tradeId?: string;
  readonly portfolioId?: string;
  /** SIMM product class; absent on the add-on parameter rows that apply to the whole portfolio. */
  readonly productClass?: CrifProductClass;
  readonly riskType: CrifRiskType;
  /** Currency (IR, FX), issuer (credit), ticker (equity), commodity name, or the add-on's product class. */
  readonly qualifier: string;
  /** SIMM bucket number as written ("1" … "17", "Residual"), or "" where the risk type has none. */
  readonly bucket: string;
  /** Tenor (IR, credit, vega and curvature expiries) or the add-on's label; "" when unused. */
  readonly label1: string;
  /** Sub-curve (IR: OIS, Libor1m, …, Prime, Municipal) or the credit sensitivity's security kind; "" when unused. */
  readonly label2: string;
  /** Amount in `amountCurrency`. */
  readonly amount: number;
  readonly amountCurrency: string;
  /** Amount in US dollars: what SIMM aggregates. */
  readonly amountUsd: number;
  /** Regulations the collecting / posting side applies (optional CRIF columns), as written. */
  readonly collectRegulations?: string;
  readonly postRegulations?: string;
}

/** SIMM product classes (CRIF ProductClass column). */
export const CRIF_PRODUCT_CLASSES = ['RatesFX', 'Credit', 'Equity', 'Commodity'] as const;
export type CrifProductClass = (typeof CRIF_PRODUCT_CLASSES)[number];

/** Every risk type of the CRIF specification SIMM reads (CRIF RiskType column), sensitivities then add-on parameters. */
export const CRIF_RISK_TYPES = [
  'Risk_IRCurve',
  'Risk_Inflation',
  'Risk_XCcyBasis',
  'Risk_IRVol',
  'Risk_InflationVol',
  'Risk_CreditQ',
  'Risk_CreditNonQ',
  'Risk_BaseCorr',
  'Risk_CreditVol',
  'Risk_CreditVolNonQ',
  'Risk_Equity',
  'Risk_EquityVol',
  'Risk_Commodity',
  'Risk_CommodityVol',
  'Risk_FX',
  'Risk_FXVol',
  'Param_ProductClassMultiplier',
  'Param_AddOnNotionalFactor',
  'Notional',
  'Param_AddOnFixedAmount',
] as const;
export type CrifRiskType = (typeof CRIF_RISK_TYPES)[number];
