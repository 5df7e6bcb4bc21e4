import { CrossmarginError } from '../../core/errors.js';
import type { CrifProductClass, CrifRiskType, CrifRow } from '../../portfolio/crif/crif-row.js';
import { SIMM_COMMODITY_BUCKETS, SIMM_CREDIT_NON_Q_BUCKETS, SIMM_CREDIT_Q_BUCKETS, SIMM_EQUITY_BUCKETS, type SimmParameters, type SimmRiskClass } from './simm-parameters.js';

/** One SIMM risk factor of one product class with its rows' USD amounts summed (the netting SIMM prescribes). */
export interface NettedFactor {
  readonly productClass: CrifProductClass;
  readonly riskClass: SimmRiskClass;
  readonly riskType: CrifRiskType;
  readonly qualifier: string;
  readonly bucket: string;
  readonly label1: string;
  readonly label2: string;
  readonly amount: number;
}

/** The add-on parameter rows of a CRIF book (SIMM methodology, "Add-ons"). */
export interface AddOnRows {
  /** Param_ProductClassMultiplier by product class: the factor the product class margin is multiplied by. */
  readonly multipliers: Map<string, number>;
  /** Param_AddOnNotionalFactor by product (qualifier), in percent of notional. */
  readonly notionalFactors: Map<string, number>;
  /** Notional by product (qualifier), USD, summed. */
  readonly notionals: Map<string, number>;
  /** Σ Param_AddOnFixedAmount, USD. */
  readonly fixedAmount: number;
}

export interface PlacedBook {
  readonly factors: NettedFactor[];
  readonly addOns: AddOnRows;
}

const RISK_CLASS_OF: Partial<Record<CrifRiskType, SimmRiskClass>> = {
  Risk_IRCurve: 'IR',
  Risk_Inflation: 'IR',
  Risk_XCcyBasis: 'IR',
  Risk_IRVol: 'IR',
  Risk_InflationVol: 'IR',
  Risk_CreditQ: 'CreditQ',
  Risk_CreditVol: 'CreditQ',
  Risk_BaseCorr: 'CreditQ',
  Risk_CreditNonQ: 'CreditNonQ',
  Risk_CreditVolNonQ: 'CreditNonQ',
  Risk_Equity: 'Equity',
  Risk_EquityVol: 'Equity',
  Risk_Commodity: 'Commodity',
  Risk_CommodityVol: 'Commodity',
  Risk_FX: 'FX',
  Risk_FXVol: 'FX',
};

function fail(row: CrifRow, column: string, message: string): never {
  throw new CrossmarginError('SCHEMA_INVALID', `row ${row.row}: ${column}: ${message}`, { field: `row ${row.row}.${column}`, details: { row: row.row, column } });
}

function oneOf(row: CrifRow, column: 'bucket' | 'label1' | 'label2', allowed: readonly string[], what: string): string {
  const value = row[column];
  if (!allowed.includes(value)) fail(row, column, `"${value}" is not a SIMM ${what} for ${row.riskType} (allowed: ${allowed.map((a) => (a === '' ? '(empty)' : a)).join(', ')})`);
  return value;
}

function currency(row: CrifRow): string {
  if (!/^[A-Z]{3}$/.test(row.qualifier)) fail(row, 'qualifier', `"${row.qualifier}" is not a currency code for ${row.riskType}`);
  return row.qualifier;
}

function named(row: CrifRow): string {
  if (row.qualifier.trim() === '') fail(row, 'qualifier', `${row.riskType} needs a qualifier`);
  return row.qualifier;
}

const IR_BUCKETS = ['', '1', '2', '3'];

/**
 * The risk factor a sensitivity row belongs to, as [qualifier, bucket, label1, label2]; the fields that do not
 * identify the factor are emptied, so that rows differing only there are netted (an equity delta's label1 does not
 * matter, AcadiaSoft simm-lib #10; equity, commodity and FX vega keep the expiry for curvature).
 */
function placeSensitivity(row: CrifRow, p: SimmParameters): [string, string, string, string] {
  switch (row.riskType) {
    case 'Risk_IRCurve':
      oneOf(row, 'bucket', IR_BUCKETS, 'IR bucket');
      return [currency(row), '', oneOf(row, 'label1', p.irTenors, 'tenor'), oneOf(row, 'label2', p.irSubCurves, 'sub-curve')];
    case 'Risk_Inflation':
    case 'Risk_XCcyBasis':
      oneOf(row, 'bucket', IR_BUCKETS, 'IR bucket');
      return [currency(row), '', '', ''];
    case 'Risk_IRVol':
      oneOf(row, 'bucket', IR_BUCKETS, 'IR bucket');
      return [currency(row), '', oneOf(row, 'label1', p.irTenors, 'expiry'), ''];
    case 'Risk_InflationVol':
      oneOf(row, 'bucket', IR_BUCKETS, 'IR bucket');
      return [currency(row), '', oneOf(row, 'label1', p.irTenors, 'expiry'), ''];
    case 'Risk_CreditQ':
      return [named(row), oneOf(row, 'bucket', SIMM_CREDIT_Q_BUCKETS, 'bucket'), oneOf(row, 'label1', p.creditTenors, 'tenor'), oneOf(row, 'label2', ['', 'Sec'], 'label2')];
    case 'Risk_CreditVol':
      return [named(row), oneOf(row, 'bucket', SIMM_CREDIT_Q_BUCKETS, 'bucket'), oneOf(row, 'label1', p.creditTenors, 'tenor'), ''];
    case 'Risk_CreditNonQ':
      return [named(row), oneOf(row, 'bucket', SIMM_CREDIT_NON_Q_BUCKETS, 'bucket'), oneOf(row, 'label1', p.creditTenors, 'tenor'), ''];
    case 'Risk_CreditVolNonQ':
      return [named(row), oneOf(row, 'bucket', SIMM_CREDIT_NON_Q_BUCKETS, 'bucket'), oneOf(row, 'label1', p.creditTenors, 'tenor'), ''];
    case 'Risk_BaseCorr':
      return [named(row), '', '', ''];
    case 'Risk_Equity':
      return [named(row), oneOf(row, 'bucket', SIMM_EQUITY_BUCKETS, 'bucket'), '', ''];
    case 'Risk_EquityVol':
      return [named(row), oneOf(row, 'bucket', SIMM_EQUITY_BUCKETS, 'bucket'), oneOf(row, 'label1', p.irTenors, 'expiry'), ''];
    case 'Risk_Commodity':
      return [named(row), oneOf(row, 'bucket', SIMM_COMMODITY_BUCKETS, 'bucket'), '', ''];
    case 'Risk_CommodityVol':
      return [named(row), oneOf(row, 'bucket', SIMM_COMMODITY_BUCKETS, 'bucket'), oneOf(row, 'label1', p.irTenors, 'expiry'), ''];
    case 'Risk_FX':
      return [currency(row), '', '', ''];
    case 'Risk_FXVol':
      if (!/^[A-Z]{6}$/.test(row.qualifier)) fail(row, 'qualifier', `"${row.qualifier}" is not a currency pair (e.g. EURUSD) for Risk_FXVol`);
      return [row.qualifier, '', oneOf(row, 'label1', p.irTenors, 'expiry'), ''];
    default:
      return fail(row, 'riskType', `${row.riskType} is not a sensitivity`);
  }
}

/** A parameter that must be given once per key: repeated equal values are accepted, different ones are an error. */
function setOnce(map: Map<string, number>, key: string, value: number, row: CrifRow): void {
  const previous = map.get(key);
  if (previous !== undefined && previous !== value) fail(row, 'amount', `${row.riskType} for "${key}" given twice with different values (${previous}, ${value})`);
  map.set(key, value);
}

/**
 * Checks every row and nets the sensitivities per risk factor (product class, risk type, qualifier, bucket, labels):
 * the margin is then the same whatever the row order or however a sensitivity is split across rows. A row SIMM cannot
 * place is SCHEMA_INVALID naming `row <n>` and the column; nothing is computed from a book with such a row.
 */
export function placeSimmRows(rows: readonly CrifRow[], parameters: SimmParameters): PlacedBook {
  const netted = new Map<string, NettedFactor>();
  const multipliers = new Map<string, number>();
  const notionalFactors = new Map<string, number>();
  const notionals = new Map<string, number>();
  let fixedAmount = 0;
  for (const row of rows) {
    if (!Number.isFinite(row.amountUsd)) fail(row, 'amountUsd', 'must be a finite number');
    switch (row.riskType) {
      case 'Param_ProductClassMultiplier':
        if (!['RatesFX', 'Credit', 'Equity', 'Commodity'].includes(row.qualifier)) fail(row, 'qualifier', `"${row.qualifier}" is not a SIMM product class`);
        if (!(row.amount >= 1)) fail(row, 'amount', 'a product class multiplier must be at least 1');
        setOnce(multipliers, row.qualifier, row.amount, row);
        continue;
      case 'Param_AddOnNotionalFactor':
        if (!(row.amount >= 0)) fail(row, 'amount', 'an add-on notional factor must not be negative');
        setOnce(notionalFactors, named(row), row.amount, row);
        continue;
      case 'Notional':
        notionals.set(named(row), (notionals.get(row.qualifier) ?? 0) + row.amountUsd);
        continue;
      case 'Param_AddOnFixedAmount':
        fixedAmount += row.amountUsd;
        continue;
      default:
        break;
    }
    const riskClass = RISK_CLASS_OF[row.riskType];
    if (riskClass === undefined) fail(row, 'riskType', `${row.riskType} is not a SIMM risk type`);
    if (row.productClass === undefined) fail(row, 'productClass', `a ${row.riskType} sensitivity needs a product class`);
    const [qualifier, bucket, label1, label2] = placeSensitivity(row, parameters);
    // FX delta to the calculation currency (USD) is no risk: SIMM leaves it out.
    if (row.riskType === 'Risk_FX' && qualifier === 'USD') continue;
    const key = [row.productClass, row.riskType, qualifier, bucket, label1, label2].join('\u0000');
    const previous = netted.get(key);
    netted.set(key, { productClass: row.productClass, riskClass, riskType: row.riskType, qualifier, bucket, label1, label2, amount: (previous?.amount ?? 0) + row.amountUsd });
  }
  return { factors: [...netted.values()], addOns: { multipliers, notionalFactors, notionals, fixedAmount } };
}
