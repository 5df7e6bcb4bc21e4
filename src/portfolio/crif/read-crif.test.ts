import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../../core/errors.js';
import { CRIF_PRODUCT_CLASSES, CRIF_RISK_TYPES, type CrifRiskType, type CrifRow } from './crif-row.js';
import { readCrifFile, readCrifFileAsync } from './read-crif-file.js';
import { CRIF_CREDIT_TENORS, CRIF_IR_SUB_CURVES, CRIF_TENORS, MAX_LISTED_ERRORS, parseCrif } from './read-crif.js';

const SAMPLES = join(import.meta.dirname, '../../../samples/crif');

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const HEADER = 'TradeID,PortfolioID,ProductClass,RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency,AmountUSD';
/** A one-row file from the values after the header's TradeID and PortfolioID. */
const oneRow = (rest: string): string => `${HEADER}\nT1,P1,${rest}\n`;

describe('parseCrif: the sample files', () => {
  const rows = readCrifFile(join(SAMPLES, 'crif-sample.csv'));

  it('reads every risk type of the specification', () => {
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.riskType))).toEqual(new Set(CRIF_RISK_TYPES));
  });

  it('gives each row its file line, its labels and amounts', () => {
    expect(rows[0]).toEqual({
      row: 2,
      tradeId: 'IRS-USD-001',
      portfolioId: 'PF-A',
      productClass: 'RatesFX',
      riskType: 'Risk_IRCurve',
      qualifier: 'USD',
      bucket: '1',
      label1: '2w',
      label2: 'OIS',
      amount: -1250,
      amountCurrency: 'USD',
      amountUsd: -1250,
      collectRegulations: 'SEC,CFTC',
      postRegulations: 'CFTC',
    });
    const sec = rows.find((r) => r.tradeId === 'ABS-011');
    expect(sec).toMatchObject({ riskType: 'Risk_CreditQ', bucket: '4', label1: '2y', label2: 'Sec', row: 17 });
    const jpyVol = rows.find((r) => r.tradeId === 'EQO-023');
    expect(jpyVol).toMatchObject({ bucket: 'Residual', amount: 21000, amountCurrency: 'JPY', amountUsd: 140.7 });
  });

  it('reads the add-on rows: product class empty, the multiplier and factor as plain numbers', () => {
    const multiplier = rows.find((r) => r.riskType === 'Param_ProductClassMultiplier');
    expect(multiplier).toEqual({ row: 38, portfolioId: 'PF-A', riskType: 'Param_ProductClassMultiplier', qualifier: 'RatesFX', bucket: '', label1: '', label2: '', amount: 1.2, amountCurrency: '', amountUsd: 1.2 });
    expect(multiplier?.productClass).toBeUndefined();
    expect(rows.find((r) => r.riskType === 'Param_AddOnNotionalFactor')).toMatchObject({ qualifier: 'Variance swap', amount: 0.5, amountUsd: 0.5 });
    expect(rows.find((r) => r.riskType === 'Notional')).toMatchObject({ qualifier: 'Variance swap', productClass: 'Equity', amountUsd: 25_000_000 });
    expect(rows.find((r) => r.riskType === 'Param_AddOnFixedAmount')).toMatchObject({ qualifier: '', amountUsd: 150_000 });
  });

  it('reads the TSV variant (CRLF line ends) to the same rows', () => {
    expect(readCrifFile(join(SAMPLES, 'crif-sample.tsv'))).toEqual(rows);
  });

  it('rejects the bad sample once, naming the first bad row and counting the rest', async () => {
    const e = errorOf(() => readCrifFile(join(SAMPLES, 'crif-bad.csv')));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.field).toMatch(/crif-bad\.csv:3:Label1$/);
    expect(e.message).toMatch(/row 2 \(line 3\), column Label1: not a tenor of Risk_IRCurve.*\(got "7y"\).*and 5 more errors/);
    expect(e.details?.['errorCount']).toBe(6);
    await expect(readCrifFileAsync(join(SAMPLES, 'crif-bad.csv'))).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});

describe('readCrifFile: file errors', () => {
  it('names a missing file and a directory', () => {
    expect(errorOf(() => readCrifFile(join(SAMPLES, 'nope.csv'))).code).toBe('FILE_NOT_FOUND');
    const dir = mkdtempSync(join(tmpdir(), 'crif-'));
    try {
      expect(errorOf(() => readCrifFile(dir)).code).toBe('FILE_UNREADABLE');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('parseCrif: text forms', () => {
  const plain = oneRow('RatesFX,Risk_IRCurve,USD,1,5y,OIS,-100,USD,-100');
  const expected = parseCrif(plain, 'x.csv');

  it('tolerates a BOM, CRLF, quoted fields and blank or bare-delimiter trailing lines', () => {
    const text = `\uFEFF${HEADER}\r\n"T1","P1",RatesFX,"Risk_IRCurve",USD,1,5y,"OIS","-100",USD,-100\r\n\r\n,,,,,,,,,,\r\n\r\n`;
    expect(parseCrif(text, 'x.csv')).toEqual(expected);
  });

  it('detects TSV from the header line, with commas inside fields left alone', () => {
    const tsv = `${HEADER.replaceAll(',', '\t')}\nT1\tP1\tCredit\tRisk_CreditQ\tACME, Inc.\t2\t5y\tsec\t10\tUSD\t10\n`;
    expect(parseCrif(tsv, 'x.tsv')[0]).toMatchObject({ qualifier: 'ACME, Inc.', label2: 'Sec' });
  });

  it('matches header names case-insensitively, in any order, with snake_case and extra columns', () => {
    const text =
      'amount_usd,Label2,LABEL1,bucket,qualifier,risk_type,product_class,portfolio_id,trade_id,amount_currency,Amount,IMModel,ValuationDate\n' +
      '-100,OIS,5y,1,USD,Risk_IRCurve,RatesFX,P1,T1,USD,-100,SIMM,2024-06-17\n';
    expect(parseCrif(text, 'x.csv')).toEqual(expected);
  });

  it('returns the canonical spelling of fixed vocabularies', () => {
    const [row] = parseCrif(oneRow('ratesfx,risk_ircurve,usd,1,10Y,libor3M,-100,usd,-100'), 'x.csv');
    expect(row).toMatchObject({ productClass: 'RatesFX', riskType: 'Risk_IRCurve', qualifier: 'USD', label1: '10y', label2: 'Libor3m', amountCurrency: 'USD' });
    expect(parseCrif(oneRow('Equity,Risk_Equity,SPX,residual,,,5,USD,5'), 'x.csv')[0]?.bucket).toBe('Residual');
  });

  it('derives AmountUSD only from an amount in USD', () => {
    const text = 'ProductClass,RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency\nEquity,Risk_Equity,SPX,11,,,250,USD\n';
    expect(parseCrif(text, 'x.csv')[0]).toMatchObject({ amount: 250, amountUsd: 250 });
    const e = errorOf(() => parseCrif(text.replace(',USD\n', ',EUR\n'), 'x.csv'));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.field).toBe('x.csv:2:AmountUSD');
    expect(e.message).toMatch(/left out only when AmountCurrency is USD \(here EUR\)/);
  });

  it('reads a header-only file as no rows', () => {
    expect(parseCrif(`${HEADER}\n`, 'x.csv')).toEqual([]);
  });
});

describe('parseCrif: the header', () => {
  it.each([
    ['an empty file', '', /empty file/],
    ['no header (data on line 1)', 'T1,P1,RatesFX,Risk_IRCurve,USD,1,5y,OIS,-100,USD,-100\n', /header column ProductClass: missing/],
    ['a missing required column', HEADER.replace(',RiskType', '') + '\n', /header column RiskType: missing/],
    ['a column twice', `${HEADER},riskType\n`, /header column RiskType: appears twice/],
    ['broken quoting', `${HEADER}\nT1,P1,"RatesFX,Risk_IRCurve\n`, /quoted field is never closed/],
  ])('rejects %s as CSV_MALFORMED', (_what, text, message) => {
    const e = errorOf(() => parseCrif(text, 'x.csv'));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.message).toMatch(message);
  });
});

describe('parseCrif: bad rows are named by row, line and column', () => {
  it.each([
    ['unknown risk type', 'RatesFX,Risk_Vanna,USD,1,5y,OIS,1,USD,1', 'RiskType', /unknown risk type/],
    ['empty risk type', 'RatesFX,,USD,1,5y,OIS,1,USD,1', 'RiskType', /risk type is empty/],
    ['unknown product class', 'Rates,Risk_IRCurve,USD,1,5y,OIS,1,USD,1', 'ProductClass', /unknown product class/],
    ['no product class on a sensitivity', ',Risk_FX,EUR,,,,1,EUR,1.1', 'ProductClass', /product class is empty/],
    ['a product class on a parameter row', 'Equity,Param_AddOnFixedAmount,,,,,1,USD,1', 'ProductClass', /must be empty/],
    ['IR qualifier not a currency', 'RatesFX,Risk_IRCurve,US,1,5y,OIS,1,USD,1', 'Qualifier', /currency code/],
    ['FX vol qualifier not a pair', 'RatesFX,Risk_FXVol,EUR,,1y,,1,USD,1', 'Qualifier', /currency pair/],
    ['empty qualifier', 'Equity,Risk_Equity,,5,,,1,USD,1', 'Qualifier', /qualifier is empty/],
    ['multiplier for an unknown product class', ',Param_ProductClassMultiplier,Rates,,,,1.5,,', 'Qualifier', /product class it scales/],
    ['IR tenor unknown', 'RatesFX,Risk_IRCurve,USD,1,7y,OIS,1,USD,1', 'Label1', /not a tenor of Risk_IRCurve/],
    ['IR tenor missing', 'RatesFX,Risk_IRCurve,USD,1,,OIS,1,USD,1', 'Label1', /tenor is empty/],
    ['credit tenor not a credit tenor', 'Credit,Risk_CreditQ,ISIN:X,1,2w,,1,USD,1', 'Label1', /1y, 2y, 3y, 5y, 10y/],
    ['vega without expiry', 'Equity,Risk_EquityVol,SPX,11,,,1,USD,1', 'Label1', /tenor is empty/],
    ['IR sub-curve missing', 'RatesFX,Risk_IRCurve,USD,1,5y,,1,USD,1', 'Label2', /sub-curve is empty/],
    ['IR sub-curve unknown', 'RatesFX,Risk_IRCurve,USD,1,5y,SOFR,1,USD,1', 'Label2', /unknown sub-curve/],
    ['credit Label2 not Sec', 'Credit,Risk_CreditQ,ISIN:X,1,5y,Junk,1,USD,1', 'Label2', /"Sec"/],
    ['credit Label2 with a currency', 'Credit,Risk_CreditNonQ,ISIN:X,1,5y,"Sec,NOK",1,USD,1', 'Label2', /\(got "Sec,NOK"\)/],
    ['credit bucket missing', 'Credit,Risk_CreditQ,ISIN:X,,5y,,1,USD,1', 'Bucket', /bucket is empty/],
    ['credit non-qualifying bucket 3', 'Credit,Risk_CreditNonQ,ISIN:X,3,5y,,1,USD,1', 'Bucket', /1, 2, Residual/],
    ['equity bucket 13', 'Equity,Risk_Equity,SPX,13,,,1,USD,1', 'Bucket', /not a bucket of Risk_Equity/],
    ['commodity Residual', 'Commodity,Risk_Commodity,Gold,Residual,,,1,USD,1', 'Bucket', /not a bucket of Risk_Commodity/],
    ['a bucket on FX', 'RatesFX,Risk_FX,EUR,1,,,1,EUR,1.1', 'Bucket', /has no bucket/],
    ['IR volatility group 4', 'RatesFX,Risk_IRCurve,USD,4,5y,OIS,1,USD,1', 'Bucket', /\(empty\), 1, 2, 3/],
    ['amount not a number', 'Equity,Risk_Equity,SPX,11,,,abc,USD,1', 'Amount', /not a finite number/],
    ['amount infinite', 'Equity,Risk_Equity,SPX,11,,,Infinity,USD,1', 'Amount', /not a finite number/],
    ['amount empty', 'Equity,Risk_Equity,SPX,11,,,,USD,1', 'Amount', /empty; expected a number/],
    ['AmountUSD NaN', 'Equity,Risk_Equity,SPX,11,,,1,USD,NaN', 'AmountUSD', /not a finite number/],
    ['AmountUSD missing for EUR', 'Equity,Risk_Equity,SAP,11,,,1,EUR,', 'AmountUSD', /AmountUSD is empty/],
    ['AmountCurrency missing', 'Equity,Risk_Equity,SPX,11,,,1,,1', 'AmountCurrency', /currency is empty/],
    ['AmountCurrency not a code', 'Equity,Risk_Equity,SPX,11,,,1,Dollar,1', 'AmountCurrency', /three letters/],
    ['multiplier below 1', ',Param_ProductClassMultiplier,Credit,,,,0.9,,', 'Amount', /multiplier of at least 1/],
    ['negative notional factor', ',Param_AddOnNotionalFactor,Variance swap,,,,-0.5,,', 'Amount', /factor of at least 0/],
  ])('%s', (_what, rest, column, message) => {
    const e = errorOf(() => parseCrif(oneRow(rest), 'x.csv'));
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.field).toBe(`x.csv:2:${column}`);
    expect(e.message).toMatch(new RegExp(`^x\\.csv row 1 \\(line 2\\), column ${column}: `));
    expect(e.message).toMatch(message);
    expect(e.details).toMatchObject({ source: 'x.csv', row: 1, line: 2, column });
  });

  it('names the column as the header writes it', () => {
    const e = errorOf(() => parseCrif('risktype,productclass,qualifier,bucket,label1,label2,amount,amountcurrency,amountusd\nRisk_Equity,Equity,SPX,11,,,x,USD,1\n', 'x.csv'));
    expect(e.field).toBe('x.csv:2:amount');
  });

  it('rejects a row with the wrong number of fields as CSV_MALFORMED', () => {
    const e = errorOf(() => parseCrif(`${HEADER}\nT1,P1,Equity,Risk_Equity,SPX,11,,,1,USD\n`, 'x.csv'));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.message).toMatch(/row 1 \(line 2\): expected 11 fields as in the header, found 10/);
  });

  it('throws once for a file with several bad rows, first row named, details bounded', () => {
    const good = 'T,P,Equity,Risk_Equity,SPX,11,,,1,USD,1';
    const bad = 'T,P,Equity,Risk_Equity,SPX,99,,,1,USD,1';
    const lines = [HEADER, good, bad, good, 'T,P,Equity,Risk_Equity,SPX,11,,,x,USD,y', ...Array.from({ length: 30 }, () => bad)];
    const e = errorOf(() => parseCrif(lines.join('\n'), 'x.csv'));
    expect(e.field).toBe('x.csv:3:Bucket');
    // Row 4 (line 5) has two bad values: both count.
    expect(e.details?.['errorCount']).toBe(1 + 2 + 30);
    expect(e.message).toMatch(/^x\.csv row 2 \(line 3\), column Bucket: .*and 32 more errors in x\.csv; nothing was read\)$/);
    const listed = e.details?.['errors'] as { field: string }[];
    expect(listed).toHaveLength(MAX_LISTED_ERRORS);
    expect(listed.slice(0, 3).map((x) => x.field)).toEqual(['x.csv:3:Bucket', 'x.csv:5:Amount', 'x.csv:5:AmountUSD']);
    expect(e.details?.['errorsOmitted']).toBe(33 - MAX_LISTED_ERRORS);
  });
});

describe('parseCrif: round trip (property)', () => {
  const nameChars = fc.constantFrom(...'abcXYZ019 .:-,"/'.split(''));
  const name = fc.string({ unit: nameChars, minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== '');
  const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'GBP', 'BRL');
  const noNegativeZero = (x: number): number => (x === 0 ? 0 : x);
  const money = fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero);
  const bucketOf = (n: number, residual: boolean): fc.Arbitrary<string> =>
    fc.constantFrom(...Array.from({ length: n }, (_, i) => String(i + 1)), ...(residual ? ['Residual'] : []));
  const irGroup = fc.constantFrom('', '1', '2', '3');
  const tenor = fc.constantFrom(...CRIF_TENORS);
  const creditTenor = fc.constantFrom(...CRIF_CREDIT_TENORS);
  const creditKind = fc.constantFrom('', 'Sec');
  const productClass = fc.constantFrom(...CRIF_PRODUCT_CLASSES);

  type Shape = Pick<CrifRow, 'qualifier' | 'bucket' | 'label1' | 'label2'>;
  const shape = (q: fc.Arbitrary<string>, b: fc.Arbitrary<string>, l1: fc.Arbitrary<string>, l2: fc.Arbitrary<string>): fc.Arbitrary<Shape> =>
    fc.record({ qualifier: q, bucket: b, label1: l1, label2: l2 });
  const none = fc.constant('');
  const SHAPES: Record<CrifRiskType, fc.Arbitrary<Shape>> = {
    Risk_IRCurve: shape(currency, irGroup, tenor, fc.constantFrom(...CRIF_IR_SUB_CURVES)),
    Risk_Inflation: shape(currency, irGroup, none, none),
    Risk_XCcyBasis: shape(currency, irGroup, none, none),
    Risk_IRVol: shape(currency, irGroup, tenor, none),
    Risk_InflationVol: shape(currency, irGroup, tenor, none),
    Risk_CreditQ: shape(name, bucketOf(12, true), creditTenor, creditKind),
    Risk_CreditNonQ: shape(name, bucketOf(2, true), creditTenor, creditKind),
    Risk_BaseCorr: shape(name, none, none, none),
    Risk_CreditVol: shape(name, bucketOf(12, true), creditTenor, none),
    Risk_CreditVolNonQ: shape(name, bucketOf(2, true), creditTenor, none),
    // Labels SIMM does not use for a risk type are kept as written.
    Risk_Equity: shape(name, bucketOf(12, true), fc.constantFrom('', 'spot'), none),
    Risk_EquityVol: shape(name, bucketOf(12, true), tenor, none),
    Risk_Commodity: shape(name, bucketOf(17, false), none, none),
    Risk_CommodityVol: shape(name, bucketOf(17, false), tenor, none),
    Risk_FX: shape(currency, none, none, none),
    Risk_FXVol: shape(fc.constantFrom('EURUSD', 'USDJPY'), none, tenor, none),
    Param_ProductClassMultiplier: shape(productClass, none, none, none),
    Param_AddOnNotionalFactor: shape(name, none, none, none),
    Notional: shape(name, none, none, none),
    Param_AddOnFixedAmount: shape(fc.constantFrom('', 'fixed'), none, none, none),
  };

  const row: fc.Arbitrary<Omit<CrifRow, 'row'>> = fc.constantFrom(...CRIF_RISK_TYPES).chain((riskType) => {
    const param = riskType === 'Param_ProductClassMultiplier' || riskType === 'Param_AddOnNotionalFactor';
    const value = riskType === 'Param_ProductClassMultiplier' ? fc.double({ min: 1, max: 10, noNaN: true }) : fc.double({ min: 0, max: 10, noNaN: true }).map(noNegativeZero);
    return fc.record(
      {
        tradeId: name,
        portfolioId: name,
        productClass: riskType.startsWith('Param_') ? fc.constant(undefined) : riskType === 'Notional' ? fc.option(productClass, { nil: undefined }) : productClass,
        shape: SHAPES[riskType],
        amounts: param
          ? value.map((x) => ({ amount: x, amountCurrency: '', amountUsd: x }))
          : fc.record({ amount: money, amountCurrency: currency, amountUsd: money }),
        collectRegulations: name,
        postRegulations: name,
      },
      { requiredKeys: ['shape', 'amounts', 'productClass'] },
    ).map(({ shape: s, amounts, productClass: pc, ...rest }) => {
      const r: Omit<CrifRow, 'row'> = { ...rest, riskType, ...s, ...amounts };
      return pc === undefined ? r : { ...r, productClass: pc };
    });
  });

  const COLUMN_OF: Record<string, (r: Omit<CrifRow, 'row'>) => string> = {
    TradeID: (r) => r.tradeId ?? '',
    PortfolioID: (r) => r.portfolioId ?? '',
    ProductClass: (r) => r.productClass ?? '',
    RiskType: (r) => r.riskType,
    Qualifier: (r) => r.qualifier,
    Bucket: (r) => r.bucket,
    Label1: (r) => r.label1,
    Label2: (r) => r.label2,
    Amount: (r) => String(r.amount),
    AmountCurrency: (r) => r.amountCurrency,
    AmountUSD: (r) => String(r.amountUsd),
    CollectRegulations: (r) => r.collectRegulations ?? '',
    PostRegulations: (r) => r.postRegulations ?? '',
  };
  const names = Object.keys(COLUMN_OF);

  it('rows written to CSV or TSV, columns in any order, read back equal', () => {
    fc.assert(
      fc.property(
        fc.array(row, { maxLength: 12 }),
        fc.array(fc.double({ noNaN: true }), { minLength: names.length, maxLength: names.length }),
        fc.constantFrom(',', '\t'),
        fc.boolean(),
        (rows, keys, delimiter, quoteAll) => {
          const order = names.map((n, i) => ({ n, k: keys[i] as number })).sort((a, b) => a.k - b.k).map((x) => x.n);
          const cell = (v: string): string => (quoteAll || v.includes('"') || v.includes(delimiter) ? `"${v.replaceAll('"', '""')}"` : v);
          const lines = [order.join(delimiter), ...rows.map((r) => order.map((c) => cell((COLUMN_OF[c] as (x: typeof r) => string)(r))).join(delimiter))];
          const read = parseCrif(lines.join('\n'), 'prop.csv');
          expect(read).toEqual(rows.map((r, i) => ({ row: i + 2, ...r })));
        },
      ),
      { numRuns: 200 },
    );
  });
});
