import { kindOfProductType, spanImportError, type SpanImportBuilder, type SpanSourcePosition } from './span-import-builder.js';

/**
 * CME's positional "expanded unpacked" SPAN format (pa2, format indicator "U2"), one record per line of up to 132
 * bytes, typed by columns 1–2. Column numbers below are CME's (1-based, inclusive) from the published "Risk
 * Parameter File Layouts for the Positional Formats" (expanded pages for types 0, 1, 2, 3, 4, 6, 8, B, E, P, S, T);
 * where CME's page was not available to us the layout follows methods/span.md §7 and is marked [I] in
 * docs/span-import.md. Unknown record types are skipped and counted, as CME asks readers to do.
 */
export class Pa2Reader {
  private pending81: { identity: string; line: number; values: number[]; fields: Pa2Contract } | undefined;
  private lastExchange = '';

  constructor(
    private readonly builder: SpanImportBuilder,
    private readonly source: string,
  ) {}

  line(text: string, lineNo: number): void {
    if (text.trim() === '') return;
    this.builder.records += 1;
    const type = text.slice(0, 2);
    const r = new Pa2Record(text, { line: lineNo, record: `record "${type.trimEnd()}"` }, this.source);
    if (this.pending81 !== undefined && type !== '82') {
      throw spanImportError(this.source, { line: this.pending81.line, record: 'record "81"' }, 'record pair', 'a type 81 record is not followed by its type 82 record');
    }
    switch (type) {
      case '0 ':
        this.header(r);
        return;
      case '1 ':
        this.lastExchange = r.text(3, 5);
        this.builder.addExchange(this.lastExchange);
        return;
      case '2 ':
        this.ccDefinition(r);
        return;
      case '3 ':
        this.intraTiers(r);
        return;
      case '4 ':
        this.deliveryAndSom(r);
        return;
      case 'S ':
        this.scanTiers(r);
        return;
      case 'C ':
        this.tierSpread(r);
        return;
      case 'E ':
        this.seriesSpread(r);
        return;
      case '6 ':
        this.interSpread(r);
        return;
      case 'P ':
        this.priceConversion(r);
        return;
      case 'B ':
        // Array-calculation parameters: only the delta scaling factor (cols 86–91, 9(2)V9(4)) is needed, the arrays are
        // already computed. Key: exchange, product, type, futures month (19–24), option month (28–33).
        this.builder.setDeltaScaling(`${r.text(3, 5)}|${r.text(6, 15)}|${r.text(16, 18)}|${r.text(19, 24)}|${r.text(28, 33)}`, r.unsigned(86, 91, 4, 'delta scaling factor', 1));
        return;
      case 'T ':
        // Currency conversion (cols 3–5 from ISO, 7–9 to ISO, 11–20 rate 9(4)V9(6)).
        this.builder.addFx(r.text(3, 5), r.text(7, 9), r.unsigned(11, 20, 6, 'conversion rate', 0));
        return;
      case '81':
        this.riskArray1(r, lineNo);
        return;
      case '82':
        this.riskArray2(r);
        return;
      case '5 ':
        this.builder.unmapped('record 5 (combined commodity groups)', 'groups only roll results up; every CC is margined on its own');
        return;
      default:
        this.builder.unmapped(`record ${type.trimEnd() === '' ? '(blank)' : `"${type}"`}`, REASONS[type] ?? 'record type not used by classic SPAN margining here; skipped');
    }
  }

  end(): void {
    if (this.pending81 !== undefined) {
      throw spanImportError(this.source, { line: this.pending81.line, record: 'record "81"' }, 'record pair', 'the file ends before the type 82 record of this contract');
    }
  }

  private header(r: Pa2Record): void {
    // Type 0: exchange complex cols 3–8, business date CCYYMMDD cols 9–16.
    this.builder.exchangeComplex = r.text(3, 8);
    const date = r.raw(9, 16);
    if (!/^\d{8}$/.test(date)) throw r.error('business date (cols 9–16)', `expected CCYYMMDD, got "${date}"`);
    this.builder.businessDate = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  }

  private ccDefinition(r: Pa2Record): void {
    // Type 2: exchange 3–5, CC 7–12, risk exponent 13, currency 14–16, option margin style 18 (P/F, blank = P),
    // limit option value 19, combination method 20; product slots of 16 bytes from col 23: code 10, type 3, array
    // decimal locator 1, its sign 1. Further type 2 records for the same CC add slots.
    const exchange = r.text(3, 5);
    const code = r.text(7, 12);
    if (code === '') throw r.error('combined commodity code (cols 7–12)', 'blank');
    const cc = this.builder.cc(code);
    const exponent = r.raw(13, 13);
    if (exponent.trim() !== '') cc.riskExponent = r.unsigned(13, 13, 0, 'risk exponent', 0);
    const currency = r.text(14, 16);
    if (currency !== '') cc.currency = currency;
    const style = r.text(18, 18);
    if (style === 'F') cc.optionStyle = 'futures';
    else if (style === 'P' || style === '') cc.optionStyle ??= 'premium';
    if (r.text(19, 19) === 'Y') cc.capAnov = true;
    if (r.text(20, 20) !== '') this.builder.unmapped('record 2 combination margining method (col 20)', 'combination products are margined as ordinary contracts');
    for (let start = 23; start + 12 <= Math.max(r.length, 23); start += 16) {
      const product = r.text(start, start + 9);
      if (product === '') continue;
      const productType = r.text(start + 10, start + 12);
      this.builder.linkProduct(exchange, product, productType, code);
      const locatorText = r.raw(start + 13, start + 13).trim();
      const locator = locatorText === '' ? 0 : r.unsigned(start + 13, start + 13, 0, `array decimal locator (col ${start + 13})`, 0);
      // The locator counts implied decimals of the array values; a '-' sign moves the point the other way [U].
      this.builder.productInfo(exchange, product, productType, { arrayDecimals: r.raw(start + 14, start + 14) === '-' ? -locator : locator });
    }
  }

  private intraTiers(r: Pa2Record): void {
    // Type 3: CC 3–8, intra spread method 9–10 ("10" = tiers), 4 × (tier# 2, start CCYYMM 6, end CCYYMM 6) from col 11,
    // initial-to-maintenance ratios 9V9(3) member 69–72, hedger 73–76, speculator 77–80.
    const cc = this.builder.cc(r.text(3, 8));
    const method = r.text(9, 10);
    if (method === '10' || method === '') {
      cc.intraTiers.push(...r.tiers(11, 4));
    } else {
      this.builder.unmapped(`record 3 intra spread method "${method}"`, 'only table-driven tiers (method 10) are supported; the rates of other methods are ignored');
    }
    const member = r.unsigned(69, 72, 3, 'member initial/maintenance ratio', 0);
    const hedger = r.unsigned(73, 76, 3, 'hedger initial/maintenance ratio', 0);
    const speculator = r.unsigned(77, 80, 3, 'speculator initial/maintenance ratio', 0);
    if (member > 0 && hedger > 0 && speculator > 0) cc.initialToMaintenance = { member, hedger, speculator };
  }

  private deliveryAndSom(r: Pa2Record): void {
    // Type 4: CC 3–8, delivery method 9–10. Method 10: number of months 11–12, then per month (22 bytes from col 13):
    // month# 2, CCYYMM 6, charge per delta consumed by spreads 9(7), charge per outright delta 9(7). SOM rate 63–69
    // 9(7); risk-maintenance adjustment factors 70–78; SOM method col 79 (1 = greater of calls/puts) [I].
    const cc = this.builder.cc(r.text(3, 8));
    const method = r.text(9, 10);
    if (method === '10') {
      const months = Math.min(2, r.unsigned(11, 12, 0, 'number of delivery months', 0));
      for (let m = 0; m < months; m += 1) {
        const start = 13 + m * 22;
        cc.deliveryRates.push({
          period: r.period(start + 2, start + 7, 'delivery month'),
          spreadCharge: r.unsigned(start + 8, start + 14, 0, 'delivery charge per spread delta', 0),
          outrightCharge: r.unsigned(start + 15, start + 21, 0, 'delivery charge per outright delta', 0),
        });
      }
    } else if (method === '11') {
      this.builder.unmapped('record 4 delivery method 11 (basis risk)', 'no equivalent in the engine');
    }
    const som = r.unsigned(63, 69, 0, 'short option minimum rate', 0);
    if (som > 0) cc.somRate = som;
    if (r.text(79, 79) === '1') cc.somMethod = 'max';
    for (const [from, to, who] of [[70, 72, 'members'], [73, 75, 'hedgers'], [76, 78, 'speculators']] as const) {
      const factor = r.raw(from, to).trim();
      if (factor !== '' && factor !== '100' && factor !== '000') this.builder.unmapped(`record 4 risk maintenance adjustment factor (${who})`, 'adjustment factors are not applied');
    }
  }

  private scanTiers(r: Pa2Record): void {
    // Type S: CC 3–8, method 9–10, number of tiers 11–12, 5 × (tier# 2, start 6, end 6) from col 13, WFPR method 83.
    const cc = this.builder.cc(r.text(3, 8));
    const method = r.text(9, 10);
    const count = Math.min(5, r.unsigned(11, 12, 0, 'number of tiers', 0));
    const tiers = r.tiers(13, count);
    if (method === '10' || method === '22') cc.scanTiers.push(...tiers);
    else if (method === '20' || method === '23') cc.interTiers.push(...tiers);
    else if (method === '21') {
      cc.scanTiers.push(...tiers);
      cc.interTiers.push(...tiers.map((t) => ({ ...t })));
    } else if (method === '02') this.builder.unmapped('record S method 02 (each month its own tier)', 'read as one tier');
    else if (method === '30') this.builder.unmapped('record S method 30 (SOM tiers)', 'short option minimum tiers are not supported; one SOM rate per CC');
    const wfpr = r.text(83, 83);
    if (wfpr === '2') cc.wfprMethod = 'SCANRANGE_CAP';
    else if (wfpr === '3') cc.wfprMethod = 'SCANRANGE';
    else if (wfpr === '1') cc.wfprMethod = 'NORMAL';
  }

  private tierSpread(r: Pa2Record): void {
    // Type C [I]: CC 3–8, priority 11–12, number of legs 13–14, charge rate 15–21 9(7), then legs of 7 bytes from
    // col 22: tier# 2, (2 bytes not read), delta per spread ratio 9(2), side A/B.
    const cc = this.builder.cc(r.text(3, 8));
    const count = r.unsigned(13, 14, 0, 'number of legs', 0);
    const legs = [];
    for (let i = 0; i < count; i += 1) {
      const start = 22 + i * 7;
      legs.push({ tier: r.unsigned(start, start + 1, 0, `leg ${i + 1} tier`, 0), ratio: r.unsigned(start + 4, start + 5, 0, `leg ${i + 1} ratio`, 0), side: r.side(start + 6, `leg ${i + 1} side`) });
    }
    cc.intraSpreads.push({ priority: r.unsigned(11, 12, 0, 'priority', 0), chargeRate: r.unsigned(15, 21, 0, 'charge rate', 0), legs });
  }

  private seriesSpread(r: Pa2Record): void {
    // Type E: CC 3–8, priority 9–13, charge rate 14–20, 4 legs of 14 bytes from col 21: month YYMM 4, remaining
    // period 3, delta per spread ratio 9(2)V9(4), side. A further E record with the same priority continues the legs.
    const cc = this.builder.cc(r.text(3, 8));
    const priority = r.unsigned(9, 13, 0, 'priority', 0);
    const legs = [];
    for (let i = 0; i < 4; i += 1) {
      const start = 21 + i * 14;
      const yymm = r.raw(start, start + 3).trim();
      if (yymm === '' || /^0+$/.test(yymm)) continue;
      if (!/^\d{4}$/.test(yymm)) throw r.error(`leg ${i + 1} month (cols ${start}–${start + 3})`, `expected YYMM, got "${yymm}"`);
      const yy = Number(yymm.slice(0, 2));
      legs.push({ period: `${yy < 50 ? 20 : 19}${yymm}`, ratio: r.unsigned(start + 7, start + 12, 4, `leg ${i + 1} ratio`, 0), side: r.side(start + 13, `leg ${i + 1} side`) });
    }
    const last = cc.intraSpreads.at(-1);
    if (last !== undefined && last.priority === priority && last.legs.every((l) => l.period !== undefined) && last.legs.length % 4 === 0) last.legs.push(...legs);
    else cc.intraSpreads.push({ priority, chargeRate: r.unsigned(14, 20, 0, 'charge rate', 0), legs });
  }

  private interSpread(r: Pa2Record): void {
    // Type 6: group 3–5, priority 6–9, credit rate 10–16 9(3)V9(4) percent, 4 legs × 18 bytes from col 17 (exchange 3,
    // required flag 1, CC 6, ratio 9(3)V9(4), side 1), method 89–90 (04 = scanning), target CC 95–100, credit
    // method 101 (F = flat: the rate is an amount 9(5)V9(2)), leg tier numbers 102–109.
    const flat = r.text(101, 101) === 'F';
    const scanning = r.text(89, 90) === '04';
    const legs = [];
    for (let i = 0; i < 4; i += 1) {
      const start = 17 + i * 18;
      const cc = r.text(start + 4, start + 9);
      if (cc === '') continue;
      const tier = r.raw(102 + i * 2, 103 + i * 2).trim();
      legs.push({
        cc,
        tier: tier === '' || /^0+$/.test(tier) ? 1 : r.unsigned(102 + i * 2, 103 + i * 2, 0, `leg ${i + 1} tier`, 1),
        ratio: r.unsigned(start + 10, start + 16, 4, `leg ${i + 1} ratio`, 0),
        side: scanning && r.text(start + 17, start + 17) === '' ? 'A' : r.side(start + 17, `leg ${i + 1} side`),
        required: !(scanning && r.text(start + 3, start + 3) === 'N'),
      });
    }
    // The percent 9(3)V9(4) is read straight as a fraction (six implied decimals), a flat amount as 9(5)V9(2).
    const rate = flat ? 0 : r.unsigned(10, 16, 6, 'credit rate', 0);
    const target = r.text(95, 100);
    this.builder.addInterSpread({
      priority: r.unsigned(6, 9, 0, 'priority', 0),
      method: scanning ? 'scanning' : 'delta',
      creditRate: rate,
      creditMethod: flat ? 'flat' : 'wfpr',
      ...(flat ? { flatAmount: r.unsigned(10, 16, 2, 'flat credit amount', 0) } : {}),
      ...(scanning && target !== '' ? { targetCc: target } : {}),
      legs,
      at: r.at,
    });
  }

  private priceConversion(r: Pa2Record): void {
    // Type P: exchange 3–5, product 6–15, type 16–18, settlement price decimal locator 34–36, strike decimal locator
    // 37–39, contract value factor 42–55 9(12)V9(2), its exponent 73–75 (signed).
    const exponentText = r.raw(73, 75).trim();
    const exponent = exponentText === '' ? 0 : r.signedInt(73, 75, 'contract value factor exponent');
    const raw = r.unsigned(42, 55, 0, 'contract value factor', 0);
    // 9(12)V9(2) × 10^exponent, as one division or multiplication by an exact power of ten.
    const cvf = exponent - 2 >= 0 ? raw * 10 ** (exponent - 2) : raw / 10 ** (2 - exponent);
    this.builder.productInfo(r.text(3, 5), r.text(6, 15), r.text(16, 18), {
      settlementDecimals: r.unsigned(34, 36, 0, 'settlement price decimal locator', 0),
      strikeDecimals: r.unsigned(37, 39, 0, 'strike price decimal locator', 0),
      ...(cvf > 0 ? { cvf } : {}),
    });
  }

  private riskArray1(r: Pa2Record, lineNo: number): void {
    // Type 81: identity in cols 3–54 (exchange 3–5, product 6–15, underlying 16–25, type 26–28, right 29, futures
    // month 30–35, day 36–37, option month 39–44, day 45–46, strike 48–54), array values 1–9 as 9(5) + sign from 55.
    const productType = r.text(26, 28);
    const kind = kindOfProductType(productType);
    if (kind === undefined) throw r.error('product type (cols 26–28)', `unknown product type "${productType}" (FUT, PHY, CMB, OOF, OOP, OOC)`);
    const option = kind === 'option';
    const right = r.text(29, 29);
    if (option && right !== 'C' && right !== 'P') throw r.error('option right (col 29)', `expected C or P, got "${right}"`);
    const futMonth = r.raw(30, 35).trim();
    const period = option
      ? r.period(39, 44, 'option contract month')
      : futMonth === '' || /^0+$/.test(futMonth)
        ? this.builder.businessDate.replace(/-/g, '').slice(0, 6)
        : r.period(30, 35, 'futures contract month');
    const fields: Pa2Contract = {
      exchange: r.text(3, 5),
      product: r.text(6, 15),
      productType,
      kind,
      ...(option ? { right: right === 'C' ? ('call' as const) : ('put' as const), strikeRaw: r.unsigned(48, 54, 0, 'strike', 0) } : {}),
      period,
      periodSuffix: option ? r.text(45, 46) : r.text(36, 37),
      bKey: `${r.text(3, 5)}|${r.text(6, 15)}|${productType}|${r.text(30, 35)}|${r.text(39, 44)}`,
    };
    const values = [];
    for (let i = 0; i < 9; i += 1) values.push(r.signed(55 + i * 6, 59 + i * 6, 0, `array value ${i + 1}`));
    this.pending81 = { identity: r.raw(3, 54), line: lineNo, values, fields };
  }

  private riskArray2(r: Pa2Record): void {
    // Type 82: the same identity (cols 3–54), array values 10–16 from col 55, composite delta 97–101 9V9(4) with sign
    // col 102, settlement price 111–117 with sign col 118 (settlement decimal locator of Type P).
    const first = this.pending81;
    if (first === undefined) throw r.error('record pair', 'a type 82 record without the type 81 record before it');
    if (r.raw(3, 54) !== first.identity) throw r.error('contract identity (cols 3–54)', `does not match the type 81 record on line ${first.line}`);
    this.pending81 = undefined;
    const values = [...first.values];
    for (let i = 0; i < 7; i += 1) values.push(r.signed(55 + i * 6, 59 + i * 6, 0, `array value ${i + 10}`));
    const price = r.signed(111, 117, 0, 'settlement price');
    this.builder.addContract({ ...first.fields, a: values, d: r.signed(97, 101, 4, 'composite delta'), priceRaw: price });
  }
}

interface Pa2Contract {
  exchange: string;
  product: string;
  productType: string;
  kind: 'future' | 'option' | 'physical';
  right?: 'call' | 'put';
  strikeRaw?: number;
  period: string;
  periodSuffix: string;
  bKey: string;
}

const REASONS: Readonly<Record<string, string>> = {
  '9 ': 'liquidation-risk prices / debt securities are not used',
  '33': 'liquidation-risk CC parameters are not used',
  '66': 'liquidation-risk inter spreads are not used',
  'V ': 'daily adjustment / value maintenance rates are not used',
  'X ': 'combination margining method: combinations are margined as ordinary contracts',
  'Y ': 'options on combinations are margined from their own arrays',
  'Z ': 'combination legs are not needed: combinations carry their own arrays',
  'R ': 'product redefinitions are not applied',
};

/** One fixed-width record with column accessors (1-based inclusive, as in CME's layouts) that fail with coded errors. */
class Pa2Record {
  constructor(
    private readonly line: string,
    readonly at: SpanSourcePosition,
    private readonly source: string,
  ) {}

  get length(): number {
    return this.line.length;
  }

  raw(from: number, to: number): string {
    return this.line.slice(from - 1, to).padEnd(to - from + 1, ' ');
  }

  text(from: number, to: number): string {
    return this.raw(from, to).trim();
  }

  error(field: string, message: string): Error {
    return spanImportError(this.source, this.at, field, message);
  }

  /** Digits with `decimals` implied decimals; blank gives `blank`. */
  unsigned(from: number, to: number, decimals: number, field: string, blank: number): number {
    const s = this.raw(from, to).trim();
    if (s === '') return blank;
    if (!/^\d+$/.test(s)) throw this.error(`${field} (cols ${from}–${to})`, `expected digits, got "${s}"`);
    return Number(s) / 10 ** decimals;
  }

  /** Digits in from..to followed by a sign column ('+', '-', blank = '+'). */
  signed(from: number, to: number, decimals: number, field: string): number {
    const value = this.unsigned(from, to, decimals, field, 0);
    const sign = this.raw(to + 1, to + 1);
    if (sign !== '+' && sign !== '-' && sign !== ' ') throw this.error(`${field} sign (col ${to + 1})`, `expected + or -, got "${sign}"`);
    return sign === '-' && value !== 0 ? -value : value;
  }

  signedInt(from: number, to: number, field: string): number {
    const s = this.raw(from, to).trim();
    if (!/^[+-]?\d+$/.test(s)) throw this.error(`${field} (cols ${from}–${to})`, `expected a signed integer, got "${s}"`);
    return Number(s);
  }

  side(col: number, field: string): 'A' | 'B' {
    const s = this.raw(col, col);
    if (s !== 'A' && s !== 'B') throw this.error(`${field} (col ${col})`, `expected A or B, got "${s}"`);
    return s;
  }

  period(from: number, to: number, field: string): string {
    const s = this.raw(from, to);
    if (!/^\d{6}$/.test(s)) throw this.error(`${field} (cols ${from}–${to})`, `expected CCYYMM, got "${s.trim()}"`);
    return s;
  }

  /** `count` tiers of 14 bytes (tier# 2, start CCYYMM 6, end CCYYMM 6) from `start`; blank slots are skipped. */
  tiers(start: number, count: number): { tier: number; startPeriod: string; endPeriod: string }[] {
    const out = [];
    for (let i = 0; i < count; i += 1) {
      const at = start + i * 14;
      if (this.raw(at, at + 13).trim() === '') continue;
      const tier = this.unsigned(at, at + 1, 0, `tier ${i + 1} number`, 0);
      if (tier === 0) continue;
      out.push({ tier, startPeriod: this.period(at + 2, at + 7, `tier ${i + 1} start month`), endPeriod: this.period(at + 8, at + 13, `tier ${i + 1} end month`) });
    }
    return out;
  }
}
