import { CrossmarginError } from '../../../core/errors.js';
import { CombinedCommodityDefSchema } from '../span-file-schema.js';

/**
 * The common target of the pa2 and XML readers (docs/span-import.md): both hand over what they read record by
 * record, and `finish` writes the engine's own JSON SPAN document (`crossmargin-span-1`, docs/span-file-format.md),
 * which the span model then validates and loads exactly like a hand-written JSON file. Nothing here converts signs:
 * arrays stay loss-positive per one long contract, as exchanges publish them (load-span-file.ts converts once).
 */

export type SpanImportFormat = 'pa2' | 'spn' | 'json';

/** One thing the importer read but could not map, with how often it occurred. */
export interface SpanUnmappedItem {
  /** pa2: `record 5`, `record 2 field limit option value`; XML: the element path `ccDef/somTiers`. */
  readonly item: string;
  readonly count: number;
  readonly reason: string;
}

export interface SpanImportReport {
  readonly format: SpanImportFormat;
  /** Records (pa2 lines) or elements (XML) read. */
  readonly records: number;
  readonly exchanges: readonly string[];
  readonly unmapped: readonly SpanUnmappedItem[];
  /** USD value of one unit of each currency, from pa2 Type T / XML curConv (the engine keeps FX in the market). */
  readonly fx: Readonly<Record<string, number>>;
}

/** Where a value came from, for errors: `file.pa2:12` plus the record and field. */
export interface SpanSourcePosition {
  readonly line: number;
  readonly record: string;
}

/** A coded error naming the file, line, record and field (MODEL_PARAMS_INVALID like every SPAN-file problem). */
export function spanImportError(source: string, at: SpanSourcePosition, field: string, message: string): CrossmarginError {
  const where = `${source}:${at.line}`;
  return new CrossmarginError('MODEL_PARAMS_INVALID', `${where}: ${at.record} ${field}: ${message}`, {
    field: where,
    details: { line: at.line, record: at.record, field },
  });
}

type Kind = 'future' | 'option' | 'physical';

interface TierDraft {
  tier: number;
  startPeriod: string;
  endPeriod: string;
}

interface IntraLegDraft {
  tier?: number;
  period?: string;
  ratio: number;
  side: 'A' | 'B';
}

export interface InterSpreadDraft {
  priority: number;
  method: 'delta' | 'scanning';
  creditRate: number;
  creditMethod: 'wfpr' | 'flat';
  flatAmount?: number;
  targetCc?: string;
  legs: { cc: string; tier: number; ratio: number; side: 'A' | 'B'; required: boolean }[];
  at: SpanSourcePosition;
}

export interface CcDraft {
  currency?: string;
  riskExponent?: number;
  wfprMethod?: 'NORMAL' | 'SCANRANGE' | 'SCANRANGE_CAP';
  scanTiers: TierDraft[];
  intraTiers: TierDraft[];
  interTiers: TierDraft[];
  intraSpreads: { priority: number; chargeRate: number; legs: IntraLegDraft[] }[];
  deliveryRates: { period: string; spreadCharge: number; outrightCharge: number }[];
  somRate?: number;
  somMethod?: 'sum' | 'max';
  initialToMaintenance?: { member: number; hedger: number; speculator: number };
  /** Limit on available net option value (pa2 Type 2 col 19 = Y, XML ccDef/capAnov). */
  capAnov?: boolean;
  /** Option margin style of the CC's options (pa2 Type 2 col 18); XML gives it per product family. */
  optionStyle?: 'premium' | 'futures';
}

/** A product family's conversion data: pa2 Type P / Type 2 slot, XML *Pf elements. */
export interface ProductInfo {
  settlementDecimals?: number;
  strikeDecimals?: number;
  cvf?: number;
  /** Implied decimals of the raw array values (pa2 Type 2 array decimal locator; negative = trailing zeros). */
  arrayDecimals?: number;
  optionStyle?: 'premium' | 'futures';
}

export interface ContractDraft {
  readonly exchange: string;
  readonly product: string;
  readonly productType: string;
  readonly kind: Kind;
  readonly right?: 'call' | 'put';
  readonly period: string;
  /** Day/week code, kept in the symbol only. */
  readonly periodSuffix: string;
  /** Strike as read; `strikeRaw` is divided by 10^strikeDecimals at finish (pa2), `strike` is final (XML). */
  readonly strike?: number;
  readonly strikeRaw?: number;
  readonly price?: number;
  readonly priceRaw?: number;
  readonly cvf?: number;
  readonly deltaScalingFactor?: number;
  /** XML: the product family's option valuation (`valueMeth`). */
  readonly optionStyle?: 'premium' | 'futures';
  /** B-record key for the delta scaling factor (pa2). */
  readonly bKey?: string;
  readonly a: readonly number[];
  readonly d: number;
}

const productKey = (exchange: string, product: string, productType: string): string => `${exchange}|${product}|${productType}`;

/** Accumulates one file's records and writes the JSON SPAN document. */
export class SpanImportBuilder {
  exchangeComplex = '';
  businessDate = '';
  readonly exchanges: string[] = [];
  private readonly ccs = new Map<string, CcDraft>();
  private readonly ccOrder: string[] = [];
  /** (exchange, product, type) → CC; a product named without type matches any type (`*`). */
  private readonly productCc = new Map<string, string>();
  private readonly products = new Map<string, ProductInfo>();
  private readonly deltaScaling = new Map<string, number>();
  private readonly contracts: ContractDraft[] = [];
  private readonly interSpreads: InterSpreadDraft[] = [];
  private readonly unmappedCounts = new Map<string, { count: number; reason: string }>();
  private readonly fxToUsd: Record<string, number> = {};
  records = 0;

  constructor(
    private readonly source: string,
    private readonly format: SpanImportFormat,
  ) {}

  addExchange(acronym: string): void {
    if (acronym !== '' && !this.exchanges.includes(acronym)) this.exchanges.push(acronym);
  }

  cc(code: string): CcDraft {
    let draft = this.ccs.get(code);
    if (draft === undefined) {
      draft = { scanTiers: [], intraTiers: [], interTiers: [], intraSpreads: [], deliveryRates: [] };
      this.ccs.set(code, draft);
      this.ccOrder.push(code);
    }
    return draft;
  }

  linkProduct(exchange: string, product: string, productType: string, cc: string): void {
    this.productCc.set(productKey(exchange, product, productType), cc);
  }

  productInfo(exchange: string, product: string, productType: string, info: ProductInfo): void {
    const key = productKey(exchange, product, productType);
    this.products.set(key, { ...this.products.get(key), ...info });
  }

  setDeltaScaling(bKey: string, factor: number): void {
    this.deltaScaling.set(bKey, factor);
  }

  addContract(draft: ContractDraft): void {
    this.contracts.push(draft);
  }

  addInterSpread(draft: InterSpreadDraft): void {
    this.interSpreads.push(draft);
  }

  /** Records a rate: `rate` units of `to` per unit of `from`; kept as USD values when one side is USD. */
  addFx(from: string, to: string, rate: number): void {
    if (!(rate > 0)) return;
    if (to === 'USD') this.fxToUsd[from] = rate;
    else if (from === 'USD') this.fxToUsd[to] = 1 / rate;
    else this.unmapped(`fx ${from}→${to}`, 'a rate between two non-USD currencies; put it in the market snapshot');
  }

  unmapped(item: string, reason: string, count = 1): void {
    const entry = this.unmappedCounts.get(item);
    if (entry === undefined) this.unmappedCounts.set(item, { count, reason });
    else entry.count += count;
  }

  private ccOfProduct(c: ContractDraft): string | undefined {
    return this.productCc.get(productKey(c.exchange, c.product, c.productType)) ?? this.productCc.get(productKey(c.exchange, c.product, '*'));
  }

  /** `capAnov` when the JSON schema knows the field; otherwise the flag is reported as not mapped. */
  private capAnovField(cc: string): { capAnov?: true } {
    if ('capAnov' in CombinedCommodityDefSchema.shape) return { capAnov: true };
    this.unmapped('limit option value flag (capAnov)', `the engine's SPAN file has no field for it (CC ${cc})`);
    return {};
  }

  /** The JSON SPAN document (still to be validated by SpanFileSchema) and the report. */
  finish(): { document: Record<string, unknown>; report: SpanImportReport } {
    if (this.exchangeComplex === '') this.exchangeComplex = this.exchanges[0] ?? 'UNKNOWN';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(this.businessDate)) {
      throw spanImportError(this.source, { line: 1, record: this.format === 'pa2' ? 'record 0' : 'pointInTime' }, 'business date', `no business date found (got "${this.businessDate}")`);
    }
    const byCc = new Map<string, Record<string, unknown>[]>();
    const symbols = new Map<string, number>();
    const resolved = this.contracts.map((c) => {
      const cc = this.ccOfProduct(c);
      return { c, cc, symbol: contractSymbol(c, this.products.get(productKey(c.exchange, c.product, c.productType))) };
    });
    for (const r of resolved) if (r.cc !== undefined) symbols.set(r.symbol, (symbols.get(r.symbol) ?? 0) + 1);
    for (const { c, cc, symbol } of resolved) {
      if (cc === undefined) {
        this.unmapped(`contracts of product ${c.exchange} ${c.product} ${c.productType}`, 'the product is linked to no combined commodity (pa2 Type 2 / XML pfLink)');
        continue;
      }
      const info = this.products.get(productKey(c.exchange, c.product, c.productType)) ?? {};
      const ccDraft = this.cc(cc);
      const decimals = info.arrayDecimals ?? 0;
      // Dividing by an exact power of ten (not multiplying by 0.01) keeps 123 → 1.23 correctly rounded.
      const scaled = (v: number): number => (v === 0 ? 0 : decimals >= 0 ? v / 10 ** decimals : v * 10 ** -decimals);
      const strike = c.strike ?? (c.strikeRaw === undefined ? undefined : c.strikeRaw / 10 ** (info.strikeDecimals ?? 0));
      const price = c.price ?? (c.priceRaw === undefined ? 0 : c.priceRaw / 10 ** (info.settlementDecimals ?? 0));
      const cvf = c.cvf ?? info.cvf;
      const dsf = c.deltaScalingFactor ?? (c.bKey === undefined ? undefined : this.deltaScaling.get(c.bKey));
      const optionStyle = c.optionStyle ?? info.optionStyle ?? ccDraft.optionStyle;
      const contract: Record<string, unknown> = {
        symbol: (symbols.get(symbol) ?? 0) > 1 ? `${c.exchange}:${symbol}` : symbol,
        kind: c.kind,
        ...(c.right === undefined ? {} : { right: c.right }),
        ...(strike === undefined || !(strike > 0) ? {} : { strike }),
        period: c.period,
        price,
        ...(cvf === undefined || !(cvf > 0) ? {} : { cvf }),
        ...(c.kind === 'option' && optionStyle !== undefined ? { optionStyle } : {}),
        ...(dsf === undefined || dsf === 0 ? {} : { deltaScalingFactor: dsf }),
        ra: { a: c.a.map(scaled), d: c.d },
      };
      const list = byCc.get(cc) ?? [];
      list.push(contract);
      byCc.set(cc, list);
    }
    const combinedCommodities: Record<string, unknown>[] = [];
    for (const code of this.ccOrder) {
      const contracts = byCc.get(code);
      if (contracts === undefined) {
        this.unmapped('combined commodities without contracts', 'a CC with no risk array cannot be margined; left out');
        continue;
      }
      const d = this.cc(code);
      combinedCommodities.push({
        cc: code,
        ...(d.currency === undefined || d.currency === '' ? {} : { currency: d.currency }),
        ...(d.riskExponent === undefined ? {} : { riskExponent: d.riskExponent }),
        ...(d.wfprMethod === undefined ? {} : { wfprMethod: d.wfprMethod }),
        scanTiers: d.scanTiers,
        intraTiers: d.intraTiers,
        interTiers: d.interTiers,
        intraSpreads: d.intraSpreads,
        deliveryRates: d.deliveryRates,
        ...(d.somRate === undefined ? {} : { somRate: d.somRate }),
        ...(d.somMethod === undefined ? {} : { somMethod: d.somMethod }),
        ...(d.initialToMaintenance === undefined ? {} : { initialToMaintenance: d.initialToMaintenance }),
        ...(d.capAnov === true ? this.capAnovField(code) : {}),
        contracts,
      });
    }
    if (combinedCommodities.length === 0) {
      throw spanImportError(this.source, { line: 1, record: this.format === 'pa2' ? 'file' : 'spanFile' }, 'contracts', 'no risk array could be attached to a combined commodity');
    }
    const kept = new Set(combinedCommodities.map((c) => c.cc as string));
    const interSpreads = this.interSpreads.flatMap((s) => {
      const missing = [...s.legs.map((l) => l.cc), ...(s.targetCc === undefined ? [] : [s.targetCc])].filter((cc) => !kept.has(cc));
      if (missing.length > 0) {
        this.unmapped('inter spreads naming a CC not in the file', 'legs on combined commodities of other exchange complexes (or without contracts) cannot form; spread dropped');
        return [];
      }
      return [
        {
          priority: s.priority,
          method: s.method,
          creditRate: s.creditRate,
          creditMethod: s.creditMethod,
          ...(s.flatAmount === undefined ? {} : { flatAmount: s.flatAmount }),
          ...(s.targetCc === undefined ? {} : { targetCc: s.targetCc }),
          legs: s.legs,
        },
      ];
    });
    const document = {
      fileFormat: 'crossmargin-span-1',
      exchangeComplex: this.exchangeComplex,
      businessDate: this.businessDate,
      combinedCommodities,
      interSpreads,
    };
    const unmapped = [...this.unmappedCounts].map(([item, v]) => ({ item, count: v.count, reason: v.reason })).sort((x, y) => x.item.localeCompare(y.item));
    return { document, report: { format: this.format, records: this.records, exchanges: [...this.exchanges], unmapped, fx: { ...this.fxToUsd } } };
  }
}

function formatStrike(strike: number): string {
  return String(Number(strike.toPrecision(12)));
}

/**
 * The name portfolios use for an imported contract: `<product> <period><day>` for futures and physicals,
 * `<product> <period><day> <C|P> <strike>` for options (docs/span-import.md "Naming"). The same in both formats.
 */
export function contractSymbol(c: ContractDraft, info: ProductInfo | undefined): string {
  const base = `${c.product} ${c.period}${c.periodSuffix}`;
  if (c.kind !== 'option') return base;
  const strike = c.strike ?? (c.strikeRaw === undefined ? 0 : c.strikeRaw / 10 ** (info?.strikeDecimals ?? 0));
  return `${base} ${c.right === 'put' ? 'P' : 'C'} ${formatStrike(strike)}`;
}

/** Maps SPAN product types (pa2 Type 2 / 81 cols 26–28; XML family element names) to the file's contract kinds. */
export function kindOfProductType(productType: string): Kind | undefined {
  switch (productType) {
    case 'FUT':
    case 'CMB':
      return 'future';
    case 'PHY':
      return 'physical';
    case 'OOF':
    case 'OOP':
    case 'OOC':
    case 'OOE':
      return 'option';
    default:
      return undefined;
  }
}
