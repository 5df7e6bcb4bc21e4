import { kindOfProductType, spanImportError, type CcDraft, type SpanImportBuilder, type SpanSourcePosition } from './span-import-builder.js';
import type { XmlHandler } from './xml-tokenizer.js';

/**
 * CME's XML SPAN format ("SPAN 4" `.spn`, `spanFile/fileFormat` 4.00; also published by ICE, NSE/NSCCL and others),
 * hierarchy as in methods/span.md §8: spanFile › pointInTime › clearingOrg › exchange › product families (futPf,
 * oofPf, …) › contracts, and clearingOrg › ccDef (tiers, dSpread, spotRate) and interSpreads. Container elements
 * are never kept in memory: each contract, ccDef or spread is built as a small tree, mapped when it closes and
 * dropped, so memory does not grow with the file except for the imported contracts themselves.
 */

interface XmlNode {
  readonly name: string;
  readonly line: number;
  text: string;
  readonly children: XmlNode[];
}

/** Elements whose children are handled one by one and never retained. */
const CONTAINERS = new Set(['spanFile', 'pointInTime', 'clearingOrg', 'exchange', 'interSpreads', 'series', 'definitions']);
const FAMILY_TYPES: Readonly<Record<string, string>> = { futPf: 'FUT', phyPf: 'PHY', cmbPf: 'CMB', oofPf: 'OOF', oopPf: 'OOP', oocPf: 'OOC', ooePf: 'OOE' };

export class SpnReader implements XmlHandler {
  private readonly stack: XmlNode[] = [];
  /** Scalar children of the open containers and families, innermost last. */
  private readonly scopes: Map<string, string>[] = [];

  constructor(
    private readonly builder: SpanImportBuilder,
    /** The file name errors are prefixed with. */
    readonly sourceName: string,
  ) {}

  open(name: string, line: number): void {
    this.builder.records += 1;
    const node: XmlNode = { name, line, text: '', children: [] };
    if (this.stack.length === 0 && name !== 'spanFile') throw this.error({ line, record: `<${name}>` }, 'root', `expected <spanFile> as the root element, got <${name}>`);
    this.stack.push(node);
    this.scopes.push(new Map());
  }

  text(text: string): void {
    const top = this.stack.at(-1);
    if (top !== undefined) top.text += text;
  }

  close(name: string, line: number): void {
    const node = this.stack.pop();
    this.scopes.pop();
    if (node === undefined || node.name !== name) throw this.error({ line, record: `</${name}>` }, 'nesting', `closing tag </${name}> does not match <${node?.name ?? '(none)'}>`);
    node.text = node.text.trim();
    const parent = this.stack.at(-1);
    // A container or product family has had its children handled one by one as they closed.
    if (parent === undefined || CONTAINERS.has(name) || name in FAMILY_TYPES) return;
    const parentIsContainer = CONTAINERS.has(parent.name) || parent.name in FAMILY_TYPES;
    if (!parentIsContainer) {
      parent.children.push(node);
      return;
    }
    if (node.children.length === 0) {
      // A scalar of a container: kept for the contracts and records below it.
      this.scopes.at(-1)?.set(name, node.text);
      this.scalar(parent.name, node);
      return;
    }
    this.record(parent.name, node);
  }

  /** At the end of the file: every element must have been closed (a truncated download is refused, not half-read). */
  end(line: number): void {
    const open = this.stack.at(-1);
    if (open !== undefined) throw this.error({ line, record: `<${open.name}>` }, 'end of file', `the file ends inside <${open.name}> (opened on line ${open.line})`);
  }

  private error(at: SpanSourcePosition, field: string, message: string): Error {
    return spanImportError(this.sourceName, at, field, message);
  }

  private scope(key: string): string | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i -= 1) {
      const v = this.scopes[i]?.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private scalar(parent: string, node: XmlNode): void {
    if (parent === 'pointInTime' && node.name === 'date') {
      const d = node.text;
      if (!/^\d{8}$/.test(d.slice(0, 8))) throw this.error({ line: node.line, record: '<pointInTime>' }, 'date', `expected CCYYMMDD, got "${d}"`);
      this.builder.businessDate = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    } else if (parent === 'clearingOrg' && node.name === 'ec') this.builder.exchangeComplex = node.text;
    else if (parent === 'exchange' && node.name === 'exch') this.builder.addExchange(node.text);
    else if (parent === 'clearingOrg' && !['ec', 'name', 'isNetMargin', 'finalizeMeth', 'oopDeltaMeth', 'lookAhead'].includes(node.name)) {
      this.builder.unmapped(`clearingOrg/${node.name}`, 'clearing-organisation setting not used by the engine');
    }
  }

  private record(parent: string, node: XmlNode): void {
    const family = FAMILY_TYPES[parent];
    if (family !== undefined || parent === 'series') {
      const productType = family ?? FAMILY_TYPES[this.stack.at(-2)?.name ?? ''] ?? '';
      if (['fut', 'phy', 'cmb', 'opt'].includes(node.name)) this.contract(node, productType);
      else if (node.name === 'series') return;
      else this.builder.unmapped(`${parent}/${node.name}`, 'product-family detail not needed: the arrays are already computed');
      return;
    }
    if (parent === 'clearingOrg' && node.name === 'ccDef') this.ccDef(node);
    else if (parent === 'interSpreads' && (node.name === 'dSpread' || node.name === 'sSpread')) this.interSpread(node);
    else if (parent === 'clearingOrg' && node.name === 'curConv') {
      this.builder.addFx(child(node, 'fromCur'), child(node, 'toCur'), num(this, node, 'factor', 0));
    } else if (parent === 'clearingOrg' && (node.name === 'superSpreads' || node.name === 'interClearSpreads')) {
      this.builder.unmapped(`clearingOrg/${node.name}`, 'super-intercommodity and inter-clearing spreads are not mapped (write them as interSpreads by hand)');
    } else this.builder.unmapped(`${parent}/${node.name}`, 'not used by classic SPAN margining here');
  }

  private contract(node: XmlNode, productType: string): void {
    const at = { line: node.line, record: `<${node.name}>` };
    const kind = kindOfProductType(productType);
    if (kind === undefined) throw this.error(at, 'product family', `unknown product family type "${productType}"`);
    const exchange = this.scope('exch') ?? '';
    const product = this.scope('pfCode') ?? '';
    if (product === '') throw this.error(at, 'pfCode', 'the product family has no pfCode before its contracts');
    const ra = node.children.find((c) => c.name === 'ra');
    if (ra === undefined) throw this.error(at, 'ra', 'a contract without a risk array');
    const a = ra.children.filter((c) => c.name === 'a').map((c) => parseNumber(this, c, 'ra/a'));
    if (a.length !== 16) throw this.error({ line: ra.line, record: '<ra>' }, 'a', `expected 16 array values, got ${a.length}`);
    const pe = child(node, 'pe') || (this.scope('pe') ?? '');
    const period = pe.slice(0, 6);
    if (!/^\d{6}$/.test(period)) throw this.error(at, 'pe', `expected a period CCYYMM[DD], got "${pe}"`);
    const option = kind === 'option';
    const o = child(node, 'o');
    if (option && o !== 'C' && o !== 'P') throw this.error(at, 'o', `expected C or P, got "${o}"`);
    const cvfText = child(node, 'cvf') || (this.scope('cvf') ?? '');
    // Option valuation of the family [U]: FUT / F / FUTURES = futures-style (no NOV), anything else premium.
    const valueMeth = (this.scope('valueMeth') ?? '').toUpperCase();
    for (const c of node.children) {
      if (!CONTRACT_FIELDS.has(c.name)) this.builder.unmapped(`${node.name}/${c.name}`, 'contract detail not needed: the arrays are already computed');
    }
    this.builder.addContract({
      exchange,
      product,
      productType,
      kind,
      ...(option ? { right: o === 'C' ? ('call' as const) : ('put' as const), strike: num(this, node, 'k', 0) } : {}),
      period,
      periodSuffix: pe.length > 6 ? pe.slice(6) : '',
      price: num(this, node, 'p', 0),
      ...(cvfText === '' ? {} : { cvf: Number(cvfText) }),
      ...(option && valueMeth !== '' ? { optionStyle: ['FUT', 'F', 'FUTURES'].includes(valueMeth) ? ('futures' as const) : ('premium' as const) } : {}),
      a,
      d: num(this, ra, 'd', 0),
    });
  }

  private ccDef(node: XmlNode): void {
    const code = child(node, 'cc');
    if (code === '') throw this.error({ line: node.line, record: '<ccDef>' }, 'cc', 'a ccDef without cc');
    const cc = this.builder.cc(code);
    const currency = child(node, 'currency');
    if (currency !== '') cc.currency = currency;
    const exponent = child(node, 'riskExponent');
    if (exponent !== '') cc.riskExponent = num(this, node, 'riskExponent', 0);
    const wfpr = WFPR[child(node, 'wfprMeth')];
    if (wfpr !== undefined) cc.wfprMethod = wfpr;
    const capAnov = child(node, 'capAnov').toLowerCase();
    if (capAnov === '1' || capAnov === 'true' || capAnov === 'y') cc.capAnov = true;
    const som = child(node, 'somMeth');
    if (som === '1' || som.toLowerCase() === 'max') cc.somMethod = 'max';
    for (const c of node.children) {
      switch (c.name) {
        case 'pfLink':
          this.builder.linkProduct(child(c, 'exch'), child(c, 'pfCode'), PF_TYPES[child(c, 'pfType')] ?? (child(c, 'pfType') || '*'), code);
          break;
        case 'scanTiers':
        case 'intraTiers':
        case 'interTiers':
          cc[c.name].push(...this.tiers(c));
          break;
        case 'dSpread':
          this.intraSpread(cc, c);
          break;
        case 'spotRate':
          // Delivery month: pe, charge per spread delta `sprd`, per outright delta `outr` [U].
          cc.deliveryRates.push({ period: child(c, 'pe').slice(0, 6), spreadCharge: num(this, c, 'sprd', 0), outrightCharge: num(this, c, 'outr', 0) });
          break;
        case 'somRate':
          cc.somRate = num(this, c, 'val', 0);
          break;
        case 'cc':
        case 'currency':
        case 'riskExponent':
        case 'wfprMeth':
        case 'somMeth':
        case 'capAnov':
        case 'name':
          break;
        default:
          this.builder.unmapped(`ccDef/${c.name}`, CCDEF_REASONS[c.name] ?? 'combined-commodity setting not used by the engine');
      }
    }
  }

  private tiers(node: XmlNode): { tier: number; startPeriod: string; endPeriod: string }[] {
    return node.children
      .filter((t) => t.name === 'tier')
      .flatMap((t) => {
        const sPe = child(t, 'sPe').slice(0, 6);
        const ePe = child(t, 'ePe').slice(0, 6);
        // A tier without a period range (tn 0, the "all months" tier) adds nothing to the tier list.
        if (sPe === '' && ePe === '') return [];
        return [{ tier: num(this, t, 'tn', 1), startPeriod: sPe, endPeriod: ePe }];
      });
  }

  private intraSpread(cc: CcDraft, node: XmlNode): void {
    const legs = node.children
      .filter((l) => l.name === 'tLeg' || l.name === 'pLeg')
      .map((l) => ({
        ...(l.name === 'tLeg' ? { tier: num(this, l, 'tn', 1) } : { period: child(l, 'pe').slice(0, 6) }),
        ratio: num(this, l, 'i', 1),
        side: side(this, l),
      }));
    cc.intraSpreads.push({ priority: num(this, node, 'spread', 0), chargeRate: rateOf(this, node), legs });
  }

  private interSpread(node: XmlNode): void {
    const scanning = node.name === 'sSpread';
    const rate = rateOf(this, node);
    const legs = node.children
      .filter((l) => l.name === 'tLeg' || l.name === 'pLeg')
      .map((l) => ({ cc: child(l, 'cc'), tier: num(this, l, 'tn', 1), ratio: num(this, l, 'i', 1), side: scanning && child(l, 'rs') === '' ? ('A' as const) : side(this, l), required: child(l, 'isRequired') !== '0' && child(l, 'isRequired').toLowerCase() !== 'false' }));
    const target = node.children.find((c) => c.name === 'target' || c.name === 'tgtLeg');
    this.builder.addInterSpread({
      priority: num(this, node, 'spread', 0),
      method: scanning ? 'scanning' : 'delta',
      // XML rates are fractions; a value above 1 is taken as percent [U].
      creditRate: rate > 1 ? rate / 100 : rate,
      creditMethod: 'wfpr',
      ...(scanning ? { targetCc: target === undefined ? (legs[0]?.cc ?? '') : child(target, 'cc') } : {}),
      legs,
      at: { line: node.line, record: `<${node.name}>` },
    });
  }
}

const CONTRACT_FIELDS = new Set(['cId', 'pe', 'p', 'o', 'k', 'cvf', 'ra', 'd', 'v', 'sc', 'setlDate', 't', 'undC', 'intrRate', 'pa', 'val', 'id', 'name', 'exch']);
const PF_TYPES: Readonly<Record<string, string>> = { FUT: 'FUT', PHY: 'PHY', CMB: 'CMB', OOF: 'OOF', OOP: 'OOP', OOC: 'OOC', OOE: 'OOE' };
const WFPR: Readonly<Record<string, CcDraft['wfprMethod']>> = { '1': 'NORMAL', '2': 'SCANRANGE_CAP', '3': 'SCANRANGE', NORMAL: 'NORMAL', SCANRANGE: 'SCANRANGE', SCANRANGE_CAP: 'SCANRANGE_CAP' };
const CCDEF_REASONS: Readonly<Record<string, string>> = {
  somTiers: 'short option minimum tiers are not supported; one SOM rate per CC',
  adjRate: 'risk-maintenance adjustment rates are not applied',
  liqRate: 'liquidation risk is not computed',
  pointDef: 'scan point weights are not needed: the arrays are already computed',
};

function child(node: XmlNode, name: string): string {
  return node.children.find((c) => c.name === name)?.text ?? '';
}

function parseNumber(reader: SpnReader, node: XmlNode, field: string): number {
  const v = Number(node.text);
  if (node.text === '' || !Number.isFinite(v)) throw spanImportErrorFor(reader, node, field, `expected a number, got "${node.text}"`);
  return v;
}

function num(reader: SpnReader, node: XmlNode, name: string, fallback: number): number {
  const c = node.children.find((x) => x.name === name);
  return c === undefined || c.text === '' ? fallback : parseNumber(reader, c, `${node.name}/${name}`);
}

/** A spread rate: `<rate>` as a number, or `<rate><r>…</r><val>…</val></rate>` (the first rate). */
function rateOf(reader: SpnReader, node: XmlNode): number {
  const rate = node.children.find((c) => c.name === 'rate' || c.name === 'pmpsRate');
  if (rate === undefined) return 0;
  return rate.children.length === 0 ? parseNumber(reader, rate, `${node.name}/rate`) : num(reader, rate, 'val', 0);
}

function side(reader: SpnReader, leg: XmlNode): 'A' | 'B' {
  const rs = child(leg, 'rs');
  if (rs !== 'A' && rs !== 'B') throw spanImportErrorFor(reader, leg, `${leg.name}/rs`, `expected A or B, got "${rs}"`);
  return rs;
}

function spanImportErrorFor(reader: SpnReader, node: XmlNode, field: string, message: string): Error {
  return spanImportError(reader.sourceName, { line: node.line, record: `<${node.name}>` }, field, message);
}
