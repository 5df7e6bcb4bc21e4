import { CrossmarginError } from '../../core/errors.js';
import { csvValueError, parseCsv, parseCsvNumber, type CsvLocation, type CsvRecord } from '../../market/csv.js';
import { CRIF_PRODUCT_CLASSES, CRIF_RISK_TYPES, type CrifProductClass, type CrifRiskType, type CrifRow } from './crif-row.js';

/**
 * Reading CRIF files (ISDA's Common Risk Interchange Format; docs/crif-format.md is the user's description and must
 * follow this file).
 *
 * The text is CSV or TSV: the delimiter is a tab when the header line holds one, a comma otherwise. The tokenizer is
 * the project's CSV reader (BOM, CRLF, quoted fields with delimiters inside, blank lines skipped). Header names match
 * case-insensitively, in any order, with `_`, `-` and spaces ignored (ORE writes `amount_usd`); unknown columns
 * (IMModel, TradeType, ValuationDate, ...) are ignored. Values are trimmed, and the spellings the specification fixes
 * (risk types, product classes, tenors, sub-curves, `Residual`, currency codes) are returned canonical whatever their
 * case, so the SIMM calculation compares plain strings.
 *
 * The rules per risk type are in RULES below (checked against OpenSourceRisk/Engine's CRIF loader and SIMM v2.6
 * configuration, and AcadiaSoft simm-lib's unit-test sensitivities). Every row is checked; a file with bad rows
 * returns nothing: one error names the first bad row and counts the rest (details.errors lists up to
 * MAX_LISTED_ERRORS). Structure problems are CSV_MALFORMED, bad values SCHEMA_INVALID.
 */

/** Delta and vega tenors of IR curves and every option expiry (Label1). */
export const CRIF_TENORS = ['2w', '1m', '3m', '6m', '1y', '2y', '3y', '5y', '10y', '15y', '20y', '30y'] as const;
/** Credit delta and credit vega tenors (Label1). */
export const CRIF_CREDIT_TENORS = ['1y', '2y', '3y', '5y', '10y'] as const;
/** IR sub-curves (Label2 of Risk_IRCurve). */
export const CRIF_IR_SUB_CURVES = ['OIS', 'Libor1m', 'Libor3m', 'Libor6m', 'Libor12m', 'Prime', 'Municipal'] as const;

/** How many row errors the thrown error lists in details (the message counts them all). */
export const MAX_LISTED_ERRORS = 20;

type ColumnKey =
  | 'tradeId'
  | 'portfolioId'
  | 'productClass'
  | 'riskType'
  | 'qualifier'
  | 'bucket'
  | 'label1'
  | 'label2'
  | 'amount'
  | 'amountCurrency'
  | 'amountUsd'
  | 'collectRegulations'
  | 'postRegulations';

/** The columns read, by their CRIF name. AmountUSD may be missing: rows in USD and parameter rows do without it. */
const COLUMNS: readonly { readonly key: ColumnKey; readonly name: string; readonly required: boolean }[] = [
  { key: 'tradeId', name: 'TradeID', required: false },
  { key: 'portfolioId', name: 'PortfolioID', required: false },
  { key: 'productClass', name: 'ProductClass', required: true },
  { key: 'riskType', name: 'RiskType', required: true },
  { key: 'qualifier', name: 'Qualifier', required: true },
  { key: 'bucket', name: 'Bucket', required: true },
  { key: 'label1', name: 'Label1', required: true },
  { key: 'label2', name: 'Label2', required: true },
  { key: 'amount', name: 'Amount', required: true },
  { key: 'amountCurrency', name: 'AmountCurrency', required: true },
  { key: 'amountUsd', name: 'AmountUSD', required: false },
  { key: 'collectRegulations', name: 'CollectRegulations', required: false },
  { key: 'postRegulations', name: 'PostRegulations', required: false },
];

const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));
/** Per-currency IR risk: the bucket is the currency's volatility group (1 regular, 2 low, 3 high) or left empty. */
const IR_GROUPS = ['', '1', '2', '3'];
const CREDIT_Q_BUCKETS = [...numbered(12), 'Residual'];
const CREDIT_NON_Q_BUCKETS = ['1', '2', 'Residual'];
const EQUITY_BUCKETS = [...numbered(12), 'Residual'];
/** Commodity has no residual bucket. */
const COMMODITY_BUCKETS = numbered(17);

interface RiskTypeRule {
  /** `required` on sensitivities; `empty` on the portfolio-wide parameter rows (as ORE's loader insists). */
  readonly productClass: 'required' | 'optional' | 'empty';
  readonly qualifier: 'currency' | 'currencyPair' | 'productClass' | 'name' | 'optional';
  /** Allowed bucket values (`''` meaning empty is allowed); undefined: the bucket must be empty. */
  readonly buckets?: readonly string[];
  /** Allowed Label1 values (a tenor, required); undefined: not used by SIMM, kept as written. */
  readonly label1?: readonly string[];
  /** `subCurve` (required), `creditKind` (empty or Sec); undefined: not used, kept as written. */
  readonly label2?: 'subCurve' | 'creditKind';
  /**
   * `money`: Amount in AmountCurrency, and AmountUSD. `multiplier` (≥ 1) and `factor` (≥ 0): a plain number, not an
   * amount of money, so no currency and no AmountUSD are needed.
   */
  readonly amount: 'money' | 'multiplier' | 'factor';
}

const sensitivity = (rule: Omit<RiskTypeRule, 'productClass' | 'amount'>): RiskTypeRule => ({ productClass: 'required', amount: 'money', ...rule });

const RULES: Readonly<Record<CrifRiskType, RiskTypeRule>> = {
  Risk_IRCurve: sensitivity({ qualifier: 'currency', buckets: IR_GROUPS, label1: CRIF_TENORS, label2: 'subCurve' }),
  Risk_Inflation: sensitivity({ qualifier: 'currency', buckets: IR_GROUPS }),
  Risk_XCcyBasis: sensitivity({ qualifier: 'currency', buckets: IR_GROUPS }),
  Risk_IRVol: sensitivity({ qualifier: 'currency', buckets: IR_GROUPS, label1: CRIF_TENORS }),
  Risk_InflationVol: sensitivity({ qualifier: 'currency', buckets: IR_GROUPS, label1: CRIF_TENORS }),
  Risk_CreditQ: sensitivity({ qualifier: 'name', buckets: CREDIT_Q_BUCKETS, label1: CRIF_CREDIT_TENORS, label2: 'creditKind' }),
  Risk_CreditNonQ: sensitivity({ qualifier: 'name', buckets: CREDIT_NON_Q_BUCKETS, label1: CRIF_CREDIT_TENORS, label2: 'creditKind' }),
  Risk_BaseCorr: sensitivity({ qualifier: 'name' }),
  Risk_CreditVol: sensitivity({ qualifier: 'name', buckets: CREDIT_Q_BUCKETS, label1: CRIF_CREDIT_TENORS }),
  Risk_CreditVolNonQ: sensitivity({ qualifier: 'name', buckets: CREDIT_NON_Q_BUCKETS, label1: CRIF_CREDIT_TENORS }),
  Risk_Equity: sensitivity({ qualifier: 'name', buckets: EQUITY_BUCKETS }),
  Risk_EquityVol: sensitivity({ qualifier: 'name', buckets: EQUITY_BUCKETS, label1: CRIF_TENORS }),
  Risk_Commodity: sensitivity({ qualifier: 'name', buckets: COMMODITY_BUCKETS }),
  Risk_CommodityVol: sensitivity({ qualifier: 'name', buckets: COMMODITY_BUCKETS, label1: CRIF_TENORS }),
  Risk_FX: sensitivity({ qualifier: 'currency' }),
  Risk_FXVol: sensitivity({ qualifier: 'currencyPair', label1: CRIF_TENORS }),
  Param_ProductClassMultiplier: { productClass: 'empty', qualifier: 'productClass', amount: 'multiplier' },
  // The qualifier names the product the factor applies to; Notional rows with the same qualifier carry the notionals.
  Param_AddOnNotionalFactor: { productClass: 'empty', qualifier: 'name', amount: 'factor' },
  Notional: { productClass: 'optional', qualifier: 'name', amount: 'money' },
  // A fixed add-on applies to the whole portfolio: nothing to qualify.
  Param_AddOnFixedAmount: { productClass: 'empty', qualifier: 'optional', amount: 'money' },
};

const CURRENCY = /^[A-Z]{3}$/;
const CURRENCY_PAIR = /^[A-Z]{6}$/;

/** The header key of a column name: case, `_`, `-` and spaces do not matter. */
const headerKey = (name: string): string => name.trim().toLowerCase().replace(/[\s_-]+/g, '');

/** `value` in `allowed` compared case-insensitively, returned in its canonical spelling; undefined if absent. */
function canonical<T extends string>(allowed: readonly T[], value: string): T | undefined {
  const lower = value.toLowerCase();
  return allowed.find((a) => a.toLowerCase() === lower);
}

/** A bucket as the specification writes it: `Residual`, or a number without leading zeros. */
function canonicalBucket(value: string): string {
  if (value.toLowerCase() === 'residual') return 'Residual';
  return /^\d+$/.test(value) ? String(Number(value)) : value;
}

function listOf(values: readonly string[]): string {
  return values.map((v) => (v === '' ? '(empty)' : v)).join(', ');
}

/** The delimiter: a tab when the header line (the first line with text) holds one, else a comma. */
function detectDelimiter(text: string): ',' | '\t' {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/).find((l) => l.trim() !== '') ?? '';
  return firstLine.includes('\t') ? '\t' : ',';
}

function resolveHeader(header: CsvRecord | undefined, source: string): Map<ColumnKey, { index: number; written: string }> {
  const expected = COLUMNS.map((c) => c.name).join(', ');
  if (header === undefined) {
    throw new CrossmarginError('CSV_MALFORMED', `${source}: empty file; expected a CRIF header line with the columns ${expected}`, {
      field: source,
      details: { source, expected },
    });
  }
  const keys = header.fields.map(headerKey);
  const found = new Map<ColumnKey, { index: number; written: string }>();
  for (const column of COLUMNS) {
    const key = column.name.toLowerCase();
    const first = keys.indexOf(key);
    if (first < 0) continue;
    if (keys.indexOf(key, first + 1) >= 0) {
      throw new CrossmarginError('CSV_MALFORMED', `${source} line ${header.line}, header column ${column.name}: appears twice`, {
        field: `${source}:${header.line}:${column.name}`,
        details: { source, line: header.line, column: column.name, found: header.fields.join(',') },
      });
    }
    found.set(column.key, { index: first, written: (header.fields[first] as string).trim() });
  }
  const missing = COLUMNS.filter((c) => c.required && !found.has(c.key)).map((c) => c.name);
  if (missing.length > 0) {
    const first = missing[0] as string;
    throw new CrossmarginError(
      'CSV_MALFORMED',
      `${source} line ${header.line}, header column ${first}: missing${missing.length > 1 ? ` (also ${missing.slice(1).join(', ')})` : ''}; ` +
        `a CRIF header has the columns ${expected} (any order, case-insensitive; TradeID, PortfolioID, AmountUSD and the regulation columns optional)`,
      { field: `${source}:${header.line}:${first}`, details: { source, line: header.line, column: first, missing, expected, found: header.fields.join(',') } },
    );
  }
  return found;
}

/**
 * Parses a CRIF file's text into rows (`row` is the 1-based line of each row in the file). `source` (a file path or
 * input name) prefixes every error. Throws CSV_MALFORMED (no header, a required column missing or twice, a row with
 * the wrong number of fields, broken quoting) or SCHEMA_INVALID (a value the risk type does not allow); with several
 * bad rows one error names the first and counts the others, and nothing is returned.
 */
export function parseCrif(text: string, source: string): CrifRow[] {
  const records = parseCsv(text, source, { delimiter: detectDelimiter(text) });
  const header = records[0];
  const columns = resolveHeader(header, source);
  const width = header?.fields.length ?? 0;
  const rows: CrifRow[] = [];
  const errors: CrossmarginError[] = [];

  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as CsvRecord;
    // Spreadsheet exports end with lines of bare delimiters: nothing to read there.
    if (rec.fields.every((f) => f.trim() === '')) continue;
    if (rec.fields.length !== width) {
      errors.push(
        new CrossmarginError('CSV_MALFORMED', `${source} row ${r} (line ${rec.line}): expected ${width} fields as in the header, found ${rec.fields.length}`, {
          field: `${source}:${rec.line}`,
          details: { source, row: r, line: rec.line, expected: width, found: rec.fields.length },
        }),
      );
      continue;
    }
    const row = readRow(rec, r, columns, source, errors);
    if (row !== undefined) rows.push(row);
  }

  if (errors.length > 0) throw combinedError(errors, source);
  return rows;
}

function readRow(
  rec: CsvRecord,
  r: number,
  columns: ReadonlyMap<ColumnKey, { index: number; written: string }>,
  source: string,
  errors: CrossmarginError[],
): CrifRow | undefined {
  const before = errors.length;
  const value = (key: ColumnKey): string => {
    const c = columns.get(key);
    return c === undefined ? '' : (rec.fields[c.index] as string).trim();
  };
  const at = (key: ColumnKey): CsvLocation => ({
    source,
    line: rec.line,
    row: r,
    column: columns.get(key)?.written ?? (COLUMNS.find((c) => c.key === key) as { name: string }).name,
  });
  const fail = (key: ColumnKey, message: string, got?: string): undefined => {
    errors.push(csvValueError('SCHEMA_INVALID', at(key), message, got === '' ? undefined : got));
    return undefined;
  };

  const riskTypeText = value('riskType');
  const riskType = canonical(CRIF_RISK_TYPES, riskTypeText);
  if (riskType === undefined) {
    // Without a risk type nothing else can be judged.
    fail('riskType', riskTypeText === '' ? 'risk type is empty' : `unknown risk type; expected one of ${CRIF_RISK_TYPES.join(', ')}`, riskTypeText);
    return undefined;
  }
  const rule = RULES[riskType];

  const productClassText = value('productClass');
  let productClass: CrifProductClass | undefined;
  if (productClassText !== '') {
    productClass = canonical(CRIF_PRODUCT_CLASSES, productClassText);
    if (productClass === undefined) fail('productClass', `unknown product class; expected one of ${CRIF_PRODUCT_CLASSES.join(', ')}`, productClassText);
    else if (rule.productClass === 'empty') fail('productClass', `must be empty for ${riskType} (a parameter of the whole portfolio)`, productClassText);
  } else if (rule.productClass === 'required') {
    fail('productClass', `product class is empty; ${riskType} needs one of ${CRIF_PRODUCT_CLASSES.join(', ')}`);
  }

  let qualifier = value('qualifier');
  switch (rule.qualifier) {
    case 'currency':
      qualifier = qualifier.toUpperCase();
      if (!CURRENCY.test(qualifier)) fail('qualifier', `${riskType} needs a currency code (three letters) as qualifier`, value('qualifier'));
      break;
    case 'currencyPair':
      qualifier = qualifier.toUpperCase();
      if (!CURRENCY_PAIR.test(qualifier)) fail('qualifier', `${riskType} needs a currency pair (six letters, e.g. EURUSD) as qualifier`, value('qualifier'));
      break;
    case 'productClass': {
      const pc = canonical(CRIF_PRODUCT_CLASSES, qualifier);
      if (pc === undefined) fail('qualifier', `${riskType} needs the product class it scales as qualifier: one of ${CRIF_PRODUCT_CLASSES.join(', ')}`, qualifier);
      else qualifier = pc;
      break;
    }
    case 'name':
      if (qualifier === '') fail('qualifier', `qualifier is empty; ${riskType} needs one`);
      break;
    case 'optional':
      break;
  }

  const bucketText = value('bucket');
  const bucket = canonicalBucket(bucketText);
  if (rule.buckets === undefined) {
    if (bucket !== '') fail('bucket', `${riskType} has no bucket; leave it empty`, bucketText);
  } else if (!rule.buckets.includes(bucket)) {
    fail('bucket', bucket === '' ? `bucket is empty; ${riskType} needs one of ${listOf(rule.buckets)}` : `not a bucket of ${riskType}; expected one of ${listOf(rule.buckets)}`, bucketText);
  }

  let label1 = value('label1');
  if (rule.label1 !== undefined) {
    const tenor = canonical(rule.label1, label1);
    if (tenor === undefined) {
      fail('label1', label1 === '' ? `tenor is empty; ${riskType} needs one of ${rule.label1.join(', ')}` : `not a tenor of ${riskType}; expected one of ${rule.label1.join(', ')}`, label1);
    } else {
      label1 = tenor;
    }
  }

  let label2 = value('label2');
  if (rule.label2 === 'subCurve') {
    const curve = canonical(CRIF_IR_SUB_CURVES, label2);
    if (curve === undefined) {
      fail('label2', label2 === '' ? `sub-curve is empty; ${riskType} needs one of ${CRIF_IR_SUB_CURVES.join(', ')}` : `unknown sub-curve; expected one of ${CRIF_IR_SUB_CURVES.join(', ')}`, label2);
    } else {
      label2 = curve;
    }
  } else if (rule.label2 === 'creditKind' && label2 !== '') {
    // Empty, or "Sec" for a securitisation (ORE's v2.6 labels). Older test sets put the curve's currency here
    // ("Sec,NOK"); SIMM v2.x does not use it, and the SIMM calculation nets on this label, so it is refused.
    if (label2.toLowerCase() === 'sec') label2 = 'Sec';
    else fail('label2', `${riskType} takes an empty Label2, or "Sec" for a securitisation`, label2);
  }

  const amounts = readAmounts(rule, riskType, value, fail);

  if (errors.length > before || amounts === undefined) return undefined;
  const optional = (key: ColumnKey): string | undefined => (value(key) === '' ? undefined : value(key));
  const tradeId = optional('tradeId');
  const portfolioId = optional('portfolioId');
  const collectRegulations = optional('collectRegulations');
  const postRegulations = optional('postRegulations');
  return {
    row: rec.line,
    ...(tradeId === undefined ? {} : { tradeId }),
    ...(portfolioId === undefined ? {} : { portfolioId }),
    ...(productClass === undefined ? {} : { productClass }),
    riskType,
    qualifier,
    bucket,
    label1,
    label2,
    ...amounts,
    ...(collectRegulations === undefined ? {} : { collectRegulations }),
    ...(postRegulations === undefined ? {} : { postRegulations }),
  };
}

/** Amount, AmountCurrency and AmountUSD of one row by the risk type's amount rule; undefined after a failure. */
function readAmounts(
  rule: RiskTypeRule,
  riskType: CrifRiskType,
  value: (key: ColumnKey) => string,
  fail: (key: ColumnKey, message: string, got?: string) => undefined,
): { amount: number; amountCurrency: string; amountUsd: number } | undefined {
  const amountText = value('amount');
  const usdText = value('amountUsd');
  const currencyText = value('amountCurrency');
  const amountCurrency = currencyText.toUpperCase();
  let ok = true;
  const number = (key: 'amount' | 'amountUsd', text: string): number | undefined => {
    const x = parseCsvNumber(text);
    if (x === undefined) {
      ok = false;
      fail(key, text === '' ? 'empty; expected a number' : 'not a finite number', text);
    }
    return x;
  };

  if (rule.amount !== 'money') {
    // The multiplier or factor is a plain number: from Amount, or AmountUSD where a generator put it there.
    const amount = amountText === '' && usdText !== '' ? undefined : number('amount', amountText);
    const amountUsd = usdText === '' ? amount : number('amountUsd', usdText);
    const x = amount ?? amountUsd;
    if (!ok || x === undefined) return undefined;
    if (rule.amount === 'multiplier' && x < 1) return fail('amount', `${riskType} is a multiplier of at least 1`, amountText || usdText);
    if (rule.amount === 'factor' && x < 0) return fail('amount', `${riskType} is a factor of at least 0`, amountText || usdText);
    if (currencyText !== '' && !CURRENCY.test(amountCurrency)) return fail('amountCurrency', 'expected a currency code (three letters) or nothing', currencyText);
    return { amount: x, amountCurrency, amountUsd: amountUsd ?? x };
  }

  const amount = number('amount', amountText);
  if (currencyText === '') {
    ok = false;
    fail('amountCurrency', 'currency is empty; expected the currency code of Amount');
  } else if (!CURRENCY.test(amountCurrency)) {
    ok = false;
    fail('amountCurrency', 'expected a currency code (three letters)', currencyText);
  }
  let amountUsd: number | undefined;
  if (usdText !== '') {
    amountUsd = number('amountUsd', usdText);
  } else if (amountCurrency === 'USD') {
    // The one conversion that needs no market: an amount already in US dollars.
    amountUsd = amount;
  } else if (ok) {
    ok = false;
    fail('amountUsd', `AmountUSD is empty; it can be left out only when AmountCurrency is USD (here ${amountCurrency})`);
  }
  if (!ok || amount === undefined || amountUsd === undefined) return undefined;
  return { amount, amountCurrency, amountUsd };
}

/** One error for a file's bad rows: the first one's message and field, the count, and a bounded list. */
function combinedError(errors: readonly CrossmarginError[], source: string): CrossmarginError {
  const first = errors[0] as CrossmarginError;
  if (errors.length === 1) return first;
  const more = errors.length - 1;
  const listed = errors.slice(0, MAX_LISTED_ERRORS).map((e) => ({ code: e.code, field: e.field, message: e.message }));
  return new CrossmarginError(
    first.code,
    `${first.message} (and ${more} more error${more === 1 ? '' : 's'} in ${source}; nothing was read)`,
    {
      field: first.field,
      details: { ...first.details, source, errorCount: errors.length, errors: listed, ...(errors.length > MAX_LISTED_ERRORS ? { errorsOmitted: errors.length - MAX_LISTED_ERRORS } : {}) },
    },
  );
}
