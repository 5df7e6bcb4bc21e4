import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { planLiquidation } from '../../src/engine/liquidation/liquidation-plan.js';
import type { LiveEngine } from '../../src/engine/live/live-engine.js';
import { parseMarketSnapshot } from '../../src/market/market-snapshot.js';
import { buildServer } from '../../src/server/build-server.js';
import { EngineHost } from '../../src/server/engine-host.js';
import { restoreEngine, type EngineSettings } from '../../src/server/restore-engine.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { RawJson } from './hostile-values.js';
import type { DomainFlag, DraftRequest, PreparedRequest, PrincipalKind } from './fuzz-request.js';
import { validate, type JsonSchema, type ValueHint, type ValuePath } from './json-schema.js';
import type { Operation } from './openapi-operations.js';
import type { Prng } from './prng.js';

/**
 * What the fuzzer knows about the margin service beyond its OpenAPI document: the fixture it fuzzes (keys,
 * accounts, a 2024 market with BTC and ETH), domain-aware valid values (instrument names, the next market time,
 * known account ids), the roles of docs/service.md, the domain rules a schema cannot state, and which reads to
 * make after a change. Everything service-specific lives here; the rest of test/fuzz/ only reads the document.
 */

export const MARKET_AS_OF = '2024-06-17T08:00:00Z';

/** Instruments tradable on the fixture market (BTC, ETH; 2024-06-17). */
export const VALID_INSTRUMENTS: readonly string[] = [
  'BTC_USDC-PERPETUAL',
  'ETH_USDC-PERPETUAL',
  'BTC-PERPETUAL',
  'ETH-PERPETUAL',
  'BTC-28JUN24-70000-C',
  'BTC-28JUN24-60000-P',
  'ETH-27SEP24-4000-C',
  'BTC-27SEP24',
  'ETH_USDC-27SEP24',
  'BTC_USDC',
];
const LINEAR_OR_INVERSE_DELTA_ONE = /PERPETUAL$|-\d{1,2}[A-Z]{3}\d{2}$/;

function fixtureMarket(asOf = MARKET_AS_OF): Record<string, unknown> {
  return {
    asOf,
    underlyings: { BTC: { index: 66_000, vol: { atm: 0.55 } }, ETH: { index: 3_500, vol: { atm: 0.65 } } },
    fx: { USDC: 1 },
  };
}

let dashboard: string | undefined;

/**
 * A stand-in for the built dashboard (dist/web), so the answers at `/` do not depend on whether `npm run build` ran
 * (paths like `/keys/..` resolve to `/`).
 */
function stubDashboard(): string {
  if (dashboard === undefined) {
    dashboard = mkdtempSync(join(tmpdir(), 'crossmargin-fuzz-web-'));
    writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>crossmargin</title>\n');
  }
  return dashboard;
}

/** A key of the fixture: its id (for grants and the never-revoke list) and its secret. */
export interface FixtureKey {
  readonly id: string;
  readonly plaintext: string;
}

/** The server under fuzz, with what the fuzzer needs to reach into it. */
export interface FuzzTarget {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly host: EngineHost;
  readonly keys: { readonly admin: FixtureKey; readonly officer: FixtureKey; readonly holder: FixtureKey; readonly revoked: FixtureKey };
  /** The engine's clock (deterministic): epoch ms. */
  readonly clock: { now(): number; advance(ms: number): void };
  readonly bodyLimit: number;
  /** A new engine restored from the store, as a restart of the service would build it. */
  restore(): Promise<LiveEngine>;
  close(): Promise<void>;
}

export interface FuzzTargetOptions {
  /** `--db` value of a new, empty database (default an in-memory SQLite). */
  readonly db?: string;
  /** Margin model of the engine (default isolated-simple). */
  readonly model?: string;
  /** Server limits; by default the rate limits are lifted so the fuzzer reaches the routes. */
  readonly limits?: Readonly<Record<string, number>>;
}

/**
 * A fresh service: store, engine (restored from it, with a deterministic clock) and server, with an admin, a risk
 * officer, an account holder (owning a1) and a revoked key; accounts a1 (holder's), b1 and c1; one market snapshot.
 */
export async function createFuzzTarget(options: FuzzTargetOptions = {}): Promise<FuzzTarget> {
  const store = await openStore(options.db ?? ':memory:');
  let now = Date.parse(MARKET_AS_OF);
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const model = options.model ?? 'isolated-simple';
  const settings: EngineSettings = { model, staleAfterMs: 3_600_000, spikeBand: 0.25, clock };
  const key = async (role: 'admin' | 'risk-officer' | 'account-holder', label: string): Promise<FixtureKey> => {
    const created = await store.createApiKey({ role, label });
    return { id: created.record.id, plaintext: created.plaintext };
  };
  const admin = await key('admin', 'fuzz admin');
  const officer = await key('risk-officer', 'fuzz risk officer');
  const holder = await key('account-holder', 'fuzz holder');
  const revoked = await key('admin', 'fuzz revoked');
  await store.revokeApiKey(revoked.id, new Date(now).toISOString());
  await store.createAccount({
    id: 'a1',
    currency: 'USD',
    mode: 'cross',
    ownerKeyId: holder.id,
    positions: [
      { instrument: 'BTC_USDC-PERPETUAL', quantity: 1 },
      { instrument: 'BTC-28JUN24-70000-C', quantity: -2 },
    ],
    collateral: { USDC: 20_000 },
  });
  await store.createAccount({ id: 'b1', currency: 'USD', mode: 'cross', positions: [{ instrument: 'ETH_USDC-PERPETUAL', quantity: -5 }], collateral: { USDC: 5_000 } });
  await store.createAccount({
    id: 'c1',
    currency: 'USD',
    mode: 'isolated',
    positions: [
      { instrument: 'ETH-27SEP24-4000-C', quantity: 3 },
      { instrument: 'BTC-PERPETUAL', quantity: 500 },
    ],
    collateral: { BTC: 0.5, USDC: 1_000 },
  });
  await store.appendMarketSnapshot({ asOf: MARKET_AS_OF, json: fixtureMarket() });
  // Each fixture account has a stored liquidation plan (empty: none is liquidatable), so its plan can be read.
  for (const account of await store.listAccounts()) {
    const [positions, collateral] = await Promise.all([store.listPositions(account.id), store.listCollateral(account.id)]);
    const document = { account: account.id, currency: account.currency, mode: account.mode, positions: positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity })), collateral: Object.fromEntries(collateral.map((c) => [c.currency, c.amount])) };
    const plan = planLiquidation({ document, market: parseMarketSnapshot(fixtureMarket(), 'fuzz fixture'), model });
    await store.saveLiquidationPlan({ id: plan.id, accountId: account.id, json: plan, createdAt: MARKET_AS_OF });
  }
  const host = new EngineHost(await restoreEngine(store, settings));
  const limits: Record<string, number> = { rateLimit: 1e9, authFailureLimit: 1e9, ...options.limits };
  const app = await buildServer({ store, engine: host, rebuildEngine: () => restoreEngine(store, settings), model, limits, dashboardDirectory: stubDashboard() });
  await app.ready();
  return {
    app,
    store,
    host,
    keys: { admin, officer, holder, revoked },
    clock,
    bodyLimit: limits['bodyLimit'] ?? 1024 * 1024,
    restore: () => restoreEngine(store, settings),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Valid CRIF texts for POST /accounts/{id}/simm (CSV and TSV). */
const FUZZ_CRIF: readonly string[] = [
  'ProductClass,RiskType,Qualifier,Bucket,Label1,Label2,Amount,AmountCurrency,AmountUSD\nRatesFX,Risk_IRCurve,USD,1,5y,OIS,-48200,USD,-48200\nEquity,Risk_Equity,SPX,11,,,-2000000,USD,-2000000\n',
  'ProductClass\tRiskType\tQualifier\tBucket\tLabel1\tLabel2\tAmount\tAmountCurrency\tAmountUSD\r\nRatesFX\tRisk_FX\tEUR\t\t\t\t5400000\tEUR\t5832000\r\n',
];

/**
 * Valid bodies for POST /span/margin: the McMillan covered write (docs/span-import.md "Example") against
 * samples/span/mcmillan.pa2 (less its unmapped Type 5 record), without a market (the file's business date stands in)
 * or with an empty one on that date.
 */
const FUZZ_SPAN_FILES: readonly string[] = [
  [
    '0 MCMCH319891002S                  U2',
    '1 CME  01',
    '2 CME SP    0USD$FN   SP        FUT0  SP        OOF0',
    '3 SP    10                                                          100010001000',
    'P CMESP        FUTS&P 500 FUTURES002000  00000000050000          USD',
    'P CMESP        OOFS&P 500 OPTIONS002000  00000000050000          USD',
    '81CMESP        SP        FUT 198912            000000000000+00000+03330-03330-03330+03330+06670-06670-06670+',
    '82CMESP        SP        FUT 198912            000000006670+10000-10000-10000+10000+07000-07000+10000+        0041000+',
    '81CMESP        SP        OOFC198912   198912   000041000460-00610+02640-01730-01270+02340+05210-04540-02540+',
    '82CMESP        SP        OOFC198912   198912   000041003430+08060-07640-03380+03990+03130-01500+05000+        0000000+',
    '',
  ].join('\n'),
];
const FUZZ_SPAN_PORTFOLIO = { account: 'cw', positions: [{ instrument: 'SP 198912', quantity: 1 }, { instrument: 'SP 198912 C 410', quantity: -1 }] };

// ---- rules ----------------------------------------------------------------------------------------------------------

/** Operations only an admin may call (docs/service.md "Auth and roles"). */
const ADMIN_ONLY = new Set([
  'POST /accounts',
  'PUT /accounts/{id}/positions',
  'PUT /accounts/{id}/collateral',
  'POST /parameter-sets',
  'POST /parameter-sets/{model}/{version}/activate',
  'POST /keys',
  'GET /keys',
  'DELETE /keys/{id}',
]);
/** Operations a risk officer may not call beyond the admin-only ones: account changes. */
const NOT_OFFICER = new Set(['POST /accounts/{id}/trades']);
/** Operations an account holder may not call beyond the admin-only ones. */
const NOT_HOLDER = new Set(['POST /market', 'GET /audit', 'POST /span/margin']);

/** Operations that take instrument names: an expired, unknown or malformed one must be refused. */
const INSTRUMENT_OPS = new Set(['POST /accounts', 'PUT /accounts/{id}/positions', 'POST /accounts/{id}/trades', 'POST /accounts/{id}/what-if', 'GET /accounts/{id}/max-order']);
/** Operations that store balances or an account currency: a currency the market cannot price must be refused. */
const CURRENCY_OPS = new Set(['POST /accounts', 'PUT /accounts/{id}/collateral']);
/** Operations that store numbers: absurd magnitudes must be refused. */
const WRITE_OPS = new Set(['POST /accounts', 'PUT /accounts/{id}/positions', 'POST /accounts/{id}/trades', 'PUT /accounts/{id}/collateral', 'POST /market']);

/**
 * Plausible magnitudes of stored numbers, by field. A hostile number a mutation puts in outside these must be
 * refused by a write: far outside any market (1e308, 2^53 + 1, 5e-324), and where the known defects live (a vol of
 * 1e6, fx 1e300, an index of 1e308). Zero stays allowed where the schema allows it (a position or balance of 0
 * removes it). These bounds are the fuzzer's assumption, not the service's documented limits: adjust them here.
 */
const PLAUSIBLE: readonly (readonly [RegExp, number, number])[] = [
  [/^quantity$/, 0, 1e12],
  [/^(?:price|entryPrice|index|forwards|strikes)$/, 1e-12, 1e12],
  [/^(?:atm|vols)$/, 1e-6, 100],
  [/^fx$/, 1e-12, 1e12],
  [/^rate$/, 0, 10],
  [/^collateral$/, 0, 1e15],
];

/** The field a number at `path` belongs to: the record's name for a record value, the array's for an item. */
function fieldOf(path: ValuePath): string {
  const parent = path.at(-2);
  if (typeof parent === 'string' && ['fx', 'forwards', 'collateral', 'strikes', 'vols'].includes(parent)) return parent;
  return String([...path].reverse().find((k) => typeof k === 'string') ?? '');
}

function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof RawJson) {
    try {
      const parsed: unknown = JSON.parse(v.text);
      return typeof parsed === 'number' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function valueAt(root: unknown, path: ValuePath): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || node instanceof RawJson) return undefined;
    if (!Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Is the flagged value still in the request as sent (a later mutation may have dropped or replaced it)? */
function stillSent(d: DraftRequest, f: DomainFlag): boolean {
  if (f.location === 'query') return d.rawQuery === undefined && d.query.some(([k, v]) => k === f.path[0] && v === f.value);
  if (f.location !== 'body' || d.bodyText !== undefined || !d.hasBody) return false;
  const tag = f.tag;
  // A currency flag marks a record key: the key must still be there.
  if (tag === 'currency-unknown' && f.path.at(-2) === 'collateral') return valueAt(d.body, f.path) !== undefined;
  return valueAt(d.body, f.path) === f.value;
}

/**
 * Account ids the schema allows (letters, digits, `.`, `_`, `:`, `-`; 1–128 characters) that are easy to get wrong:
 * names of Object.prototype members, dots, the longest allowed.
 */
const TRICKY_ACCOUNT_IDS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '.', '..', '...', '0', '-1', 'a:b', 'A'.repeat(101), 'B'.repeat(128)];

// ---- the dictionary -------------------------------------------------------------------------------------------------

export class ServiceDictionary {
  private readonly accounts: string[] = ['a1', 'b1', 'c1'];
  private readonly holderAccounts = new Set(['a1']);
  private readonly disposableKeys: string[] = [];
  private readonly parameterSets: { model: string; version: string }[] = [];
  private readonly usedKeys: string[] = [];
  private serial = 0;
  private probeTurn = 0;

  constructor(
    private readonly target: FuzzTarget,
    private readonly epoch: number,
  ) {}

  /** Keys the fuzzer must never revoke (it would lock itself out). */
  get protectedKeyIds(): ReadonlySet<string> {
    const k = this.target.keys;
    return new Set([k.admin.id, k.officer.id, k.holder.id]);
  }

  /** Relative chance of picking an operation: the lab's valid requests run backtests and calibrations. */
  weight(op: Operation): number {
    if (op.template.startsWith('/lab/') || op.template.endsWith('/reverse-stress')) return 0.3;
    if (op.template.endsWith('/compare')) return 0.4;
    if (op.template === '/healthz' || op.template === '/models') return 0.3;
    return 1;
  }

  authHeader(principal: PrincipalKind): string | undefined {
    const k = this.target.keys;
    switch (principal) {
      case 'admin':
        return `Bearer ${k.admin.plaintext}`;
      case 'risk-officer':
        return `Bearer ${k.officer.plaintext}`;
      case 'account-holder':
        return `Bearer ${k.holder.plaintext}`;
      case 'revoked-key':
        return `Bearer ${k.revoked.plaintext}`;
      default:
        return undefined;
    }
  }

  private fresh(prefix: string): string {
    this.serial += 1;
    return `${prefix}${this.epoch}-${this.serial}`;
  }

  private market(): { asOfMs: number; index: Record<string, number> } {
    const m = this.target.host.engine.currentMarket()?.toJSON();
    const index: Record<string, number> = {};
    for (const [name, u] of Object.entries(m?.underlyings ?? {})) index[name] = u.index;
    return { asOfMs: m === undefined ? Date.parse(MARKET_AS_OF) : Date.parse(m.asOf), index };
  }

  /** Currencies and underlyings the engine's market prices now (USD is the numeraire). */
  pricedCurrencies(): Set<string> {
    const m = this.target.host.engine.currentMarket()?.toJSON();
    return new Set(['USD', ...Object.keys(m?.fx ?? {}), ...Object.keys(m?.underlyings ?? {})]);
  }

  private accountFor(rng: Prng, principal: PrincipalKind): string {
    if (principal === 'account-holder' && rng.chance(0.8)) return rng.pick([...this.holderAccounts]);
    return rng.chance(0.7) ? rng.pick(['a1', 'b1', 'c1']) : rng.pick(this.accounts);
  }

  private instrument(rng: Prng): string {
    return rng.pick(VALID_INSTRUMENTS);
  }

  private quantity(rng: Prng): number {
    const q = Math.round(rng.int(1, 500)) / 100;
    return rng.chance(0.5) ? q : -q;
  }

  private nextAsOf(rng: Prng): string {
    const { asOfMs } = this.market();
    const next = Math.max(asOfMs, this.target.clock.now()) + rng.int(1, 120) * 1000;
    return new Date(next).toISOString().replace('.000Z', 'Z');
  }

  private underlying(rng: Prng, name: string): Record<string, unknown> {
    const base = this.market().index[name] ?? (name === 'BTC' ? 66_000 : 3_500);
    const index = Math.round(base * (1 + (rng.float() - 0.5) * 0.04) * 100) / 100;
    const u: Record<string, unknown> = { index, vol: { atm: Math.round((0.4 + rng.float() * 0.4) * 1000) / 1000 } };
    if (rng.chance(0.2)) u['rate'] = Math.round(rng.float() * 500) / 10_000;
    if (rng.chance(0.15)) u['forwards'] = { '2024-09-27': Math.round(index * 1.01 * 100) / 100 };
    if (rng.chance(0.15)) {
      const atm = Math.round(index / 1000) * 1000;
      u['vol'] = { atm: 0.5, smiles: [{ expiry: '2024-09-27', strikes: [atm * 0.9, atm, atm * 1.1], vols: [0.62, 0.55, 0.58] }] };
    }
    return u;
  }

  /** Up to three positions in distinct instruments (a document names an instrument once), at least `min`. */
  private distinctPositions(rng: Prng, min: number): Record<string, unknown>[] {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = rng.int(min, 3); i > 0; i--) {
      const t = this.trade(rng);
      out.set(String(t['instrument']), t);
    }
    return [...out.values()];
  }

  private trade(rng: Prng): Record<string, unknown> {
    const instrument = this.instrument(rng);
    const t: Record<string, unknown> = { instrument, quantity: this.quantity(rng) };
    return t;
  }

  /** Valid values for places the schema alone cannot fill well (`where` = body, query or params). */
  hint(op: Operation, principal: PrincipalKind, rng: Prng): ValueHint {
    // One model per request: POST /parameter-sets may name it in the query and the body, which must agree.
    const model = rng.chance(0.8) ? 'isolated-simple' : rng.pick(['scenario-grid', 'span', 'hs-var']);
    return (where, path, schema) => {
      const hinted = this.rawHint(op, principal, rng, where, path, model);
      if (hinted === undefined) return undefined;
      if (path.at(-1) === '*key*') return hinted;
      // A hint the document refuses (the API changed) is dropped: the schema decides instead.
      return validate(schema, hinted, { coerce: where !== 'body' }).length === 0 ? hinted : undefined;
    };
  }

  private rawHint(op: Operation, principal: PrincipalKind, rng: Prng, where: string, path: ValuePath, model: string): unknown {
    const key = path.at(-1);
    const parent = path.at(-2);
    if (where === 'params') {
      if (op.template.startsWith('/keys/')) return this.disposableKeys.length > 0 && rng.chance(0.8) ? rng.pick(this.disposableKeys) : 'no-such-key';
      if (key === 'id') {
        const id = this.accountFor(rng, principal);
        // Only the fixture accounts have a liquidation plan (a valid example answers 200).
        return op.template === '/accounts/{id}/liquidation-plan' && principal !== 'account-holder' && !['a1', 'b1', 'c1'].includes(id) ? 'b1' : id;
      }
      if (key === 'model' || key === 'version') {
        const set = this.parameterSets.length > 0 && rng.chance(0.85) ? rng.pick(this.parameterSets) : { model: 'isolated-simple', version: 'no-such-version' };
        return set[key];
      }
      return undefined;
    }
    if (where === 'query') {
      switch (key) {
        case 'instrument':
          return this.instrument(rng);
        case 'accountId':
        case 'account':
          return this.accountFor(rng, principal);
        case 'keyId':
          return this.target.keys.admin.id;
        case 'since':
          return rng.pick(['2024-01-01T00:00:00Z', '2024-06-17T08:00:00Z', '2030-01-01T00:00:00.000Z']);
        case 'afterId':
          return String(rng.int(0, 20));
        case 'limit':
          return String(rng.int(1, 200));
        case 'model':
          return op.id === 'POST /parameter-sets' ? model : rng.pick(['isolated-simple', 'scenario-grid']);
        case 'models':
          return rng.pick(['isolated-simple', 'scenario-grid', 'isolated-simple,scenario-grid']);
        case 'days':
          return String(rng.int(20, 40));
        case 'horizon':
          return String(rng.int(1, 3));
        case 'coverage':
          return rng.pick(['0.95', '0.99']);
        case 'underlyings':
          return rng.pick(['BTC', 'ETH', 'BTC,ETH']);
        case 'priceMoves':
          return rng.pick(['-0.1,0,0.1', '-0.3,-0.15,0,0.15,0.3', '0']);
        case 'volMoves':
          return rng.pick(['0', '-0.2,0,0.2']);
        case 'points':
          return String(rng.int(2, 4));
        case 'step':
          return String(rng.int(20, 40));
        case 'lookback':
          return String(rng.int(100, 300));
        case 'side':
          return rng.pick(['buy', 'sell']);
        default:
          return undefined;
      }
    }
    // body
    if (path.length === 0) {
      switch (op.id) {
        case 'POST /accounts/{id}/trades': {
          const t = this.trade(rng);
          const body: Record<string, unknown> = { ...t, idempotencyKey: this.idempotencyKey(rng) };
          if (principal === 'admin' && rng.chance(0.2) && LINEAR_OR_INVERSE_DELTA_ONE.test(String(t['instrument']))) {
            const base = this.market().index[String(t['instrument']).slice(0, 3)];
            if (base !== undefined) body['price'] = Math.round(base * (1 + (rng.float() - 0.5) * 0.002) * 100) / 100;
          }
          return body;
        }
        case 'POST /market': {
          const names = rng.chance(0.7) ? ['BTC', 'ETH'] : [rng.pick(['BTC', 'ETH'])];
          const body: Record<string, unknown> = { asOf: this.nextAsOf(rng), underlyings: Object.fromEntries(names.map((n) => [n, this.underlying(rng, n)])) };
          if (rng.chance(0.7)) body['fx'] = { USDC: rng.pick([1, 0.9999, 1.0001]) };
          return body;
        }
        case 'POST /parameter-sets':
          return { model, version: this.fresh('ps-'), params: {} };
        case 'POST /accounts':
          // `id` is optional in the schema (a portfolio file says `account`), but one of the two is required.
          return {
            ...(rng.chance(0.5) ? { id: rng.chance(0.1) ? rng.pick(TRICKY_ACCOUNT_IDS) : this.fresh('fz') } : { account: this.fresh('fz') }),
            currency: 'USD',
            positions: this.distinctPositions(rng, 0),
            collateral: rng.chance(0.7) ? { USDC: rng.int(1_000, 100_000) } : {},
          };
        case 'PUT /accounts/{id}/positions':
          return { positions: this.distinctPositions(rng, 1) };
        case 'POST /accounts/{id}/simm':
          // A few sensitivities of docs/crif-format.md's example (a random string is never a CRIF file).
          return { crif: rng.pick(FUZZ_CRIF), ...(rng.chance(0.5) ? { mpor: rng.pick(['10d', '1d']) } : {}) };
        case 'POST /span/margin':
          // A SPAN file the importer reads (a random string is never one), with or without an explicit market.
          return {
            file: rng.pick(FUZZ_SPAN_FILES),
            ...(rng.chance(0.3) ? { format: 'pa2' } : {}),
            ...(rng.chance(0.3) ? { market: { asOf: '1989-10-02T00:00:00Z', underlyings: {} } } : {}),
            // A copy: mutations edit the body in place.
            portfolio: structuredClone(FUZZ_SPAN_PORTFOLIO),
          };
        case 'POST /keys': {
          const role = rng.pick(['admin', 'risk-officer', 'account-holder'] as const);
          return { role, ...(role === 'account-holder' ? { accountIds: [rng.pick(this.accounts)] } : {}), ...(rng.chance(0.5) ? { label: 'fuzz key' } : {}) };
        }
        default:
          return undefined;
      }
    }
    if (path.length === 1 && key === 'id' && op.id === 'POST /accounts') return rng.chance(0.1) ? rng.pick(TRICKY_ACCOUNT_IDS) : this.fresh('fz');
    if (typeof key === 'number' && parent === 'positions') {
      const instrument = this.instrument(rng);
      return { instrument, quantity: rng.chance(0.1) ? 0 : this.quantity(rng) };
    }
    if (typeof key === 'number' && parent === 'trades') return this.trade(rng);
    if (key === '*key*') {
      if (parent === 'collateral') return rng.pick(['USDC', 'USDC', 'BTC', 'ETH', 'USD']);
      if (parent === 'fx') return 'USDC';
      if (parent === 'underlyings') return rng.pick(['BTC', 'ETH']);
      if (parent === 'forwards') return '2024-09-27';
      return undefined;
    }
    if (parent === 'collateral' && typeof key === 'string') return key === 'BTC' || key === 'ETH' ? rng.int(1, 50) / 10 : rng.int(1, 1_000) * 100;
    switch (key) {
      case 'instrument':
        return this.instrument(rng);
      case 'quantity':
        return this.quantity(rng);
      case 'idempotencyKey':
        return this.idempotencyKey(rng);
      case 'currency':
        return 'USD';
      case 'ownerKeyId':
        return this.target.keys.holder.id;
      case 'label':
        return 'fuzz label';
      case 'priceOverride':
        return 'fuzz: manual fill';
      case 'asOf':
        return this.nextAsOf(rng);
      default:
        return undefined;
    }
  }

  /**
   * Makes an accepted request sendable again as a new change (a fresh idempotency key, the next market time), for
   * the follow-up that looks for damage by accumulation (1e308 + 1e308 = Infinity). Returns false if nothing fits.
   */
  refresh(d: DraftRequest, rng: Prng): boolean {
    if (d.bodyText !== undefined || typeof d.body !== 'object' || d.body === null || Array.isArray(d.body) || d.body instanceof RawJson) return false;
    const body = d.body as Record<string, unknown>;
    let changed = false;
    if (typeof body['idempotencyKey'] === 'string') {
      body['idempotencyKey'] = this.fresh('idem-');
      changed = true;
    }
    if (typeof body['asOf'] === 'string' && Number.isFinite(Date.parse(body['asOf']))) {
      body['asOf'] = this.nextAsOf(rng);
      changed = true;
    }
    return changed || d.op.id === 'PUT /accounts/{id}/positions';
  }

  private idempotencyKey(rng: Prng): string {
    if (this.usedKeys.length > 0 && rng.chance(0.12)) return rng.pick(this.usedKeys);
    const k = this.fresh('idem-');
    this.usedKeys.push(k);
    return k;
  }

  /**
   * The directed corpus: the hostile cases of issue 13 by name, sent once per run whatever the seed, each built on
   * the valid example of its operation (`example`) and judged by the same oracles. Accounts with tricky ids are
   * followed by a market update (the engine's checkpoint is stored with it) and then a restart check.
   */
  corpus(example: (opId: string) => DraftRequest | undefined, rng: Prng): (DraftRequest | 'restart check')[] {
    const out: (DraftRequest | 'restart check')[] = [];
    const asOfMs = Math.max(this.market().asOfMs, this.target.clock.now());
    let minute = 0;
    const nextAsOf = (): string => new Date(asOfMs + ++minute * 60_000 + 3_600_000).toISOString().replace('.000Z', 'Z');
    const add = (opId: string, note: string, edit: (d: DraftRequest) => void): void => {
      const d = example(opId);
      if (d === undefined) return;
      edit(d);
      d.notes.push(`corpus: ${note}`);
      out.push(d);
    };
    const set = (d: DraftRequest, path: ValuePath, value: unknown, tag?: DomainFlag['tag']): void => {
      let node = d.body as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) {
        if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
        node = node[key] as Record<string | number, unknown>;
      }
      node[path.at(-1) as string | number] = value;
      if (tag !== undefined) d.flags.push({ tag, location: 'body', path, value });
    };
    const trade = (note: string, instrument: string, quantity: number, tag?: DomainFlag['tag'], quantityTag?: DomainFlag['tag']): void =>
      add('POST /accounts/{id}/trades', note, (d) => {
        d.params['id'] = 'a1';
        d.body = { instrument, quantity, idempotencyKey: this.fresh('corpus-') };
        if (tag !== undefined) d.flags.push({ tag, location: 'body', path: ['instrument'], value: instrument });
        if (quantityTag !== undefined) d.flags.push({ tag: quantityTag, location: 'body', path: ['quantity'], value: quantity });
      });
    const market = (note: string, underlyings: Record<string, unknown>, fx: Record<string, number> | undefined, flags: [ValuePath, unknown][]): void =>
      add('POST /market', note, (d) => {
        d.body = { asOf: nextAsOf(), underlyings, ...(fx === undefined ? {} : { fx }) };
        for (const [path, value] of flags) d.flags.push({ tag: 'number-absurd', location: 'body', path, value });
      });
    trade('expired option traded (BTC-29DEC23-40000-C on a 2024 market)', 'BTC-29DEC23-40000-C', 1, 'instrument-expired');
    trade('instrument on an underlying the market lacks', 'SOL_USDC-PERPETUAL', 1, 'instrument-unknown-underlying');
    trade('lower-case name', 'btc_usdc-perpetual', 1, 'instrument-noncanonical');
    trade('quantity 1e308', 'BTC_USDC-PERPETUAL', 1e308, undefined, 'number-absurd');
    trade('quantity 1e308 again (1e308 + 1e308 = Infinity)', 'BTC_USDC-PERPETUAL', 1e308, undefined, 'number-absurd');
    trade('quantity 2^53 + 1', 'ETH_USDC-PERPETUAL', 2 ** 53 + 1, undefined, 'number-absurd');
    add('POST /accounts/{id}/what-if', 'what-if with an expired option', (d) => {
      d.params['id'] = 'a1';
      set(d, ['trades'], [{ instrument: 'BTC-29DEC23-40000-C', quantity: 1 }]);
      d.flags.push({ tag: 'instrument-expired', location: 'body', path: ['trades', 0, 'instrument'], value: 'BTC-29DEC23-40000-C' });
    });
    add('PUT /accounts/{id}/collateral', 'collateral in a currency the market does not price', (d) => {
      d.params['id'] = 'a1';
      set(d, ['collateral'], { XYZ: 100 });
      d.flags.push({ tag: 'currency-unknown', location: 'body', path: ['collateral', 'XYZ'], value: 'XYZ' });
    });
    market('vol 1e6 and fx 1e300', { BTC: { index: 66_000, vol: { atm: 1e6 } } }, { USDC: 1e300 }, [
      [['underlyings', 'BTC', 'vol', 'atm'], 1e6],
      [['fx', 'USDC'], 1e300],
    ]);
    market('index 1e308', { ETH: { index: 1e308, vol: { atm: 0.6 } } }, undefined, [[['underlyings', 'ETH', 'index'], 1e308]]);
    market('fx 5e-324', { BTC: { index: 66_000, vol: { atm: 0.5 } } }, { USDC: 5e-324 }, [[['fx', 'USDC'], 5e-324]]);
    add('POST /accounts', 'an empty account (no positions, no collateral) after the last market update', (d) => {
      d.body = { id: this.fresh('empty-') };
    });
    out.push('restart check');
    for (const id of ['__proto__', 'constructor', 'B'.repeat(128), '..']) {
      add('POST /accounts', `account id ${JSON.stringify(id.length > 20 ? `${id.slice(0, 8)}…(${id.length})` : id)}`, (d) => {
        d.body = { id, collateral: { USDC: 1_000 } };
      });
    }
    // NUL characters in strings that reach the database (PostgreSQL refuses them in text).
    add('POST /parameter-sets/{model}/{version}/activate', 'NUL in a path parameter', (d) => {
      d.params['model'] = 'isolated\u0000simple';
    });
    add('POST /keys', 'NUL in a key label', (d) => {
      d.body = { role: 'risk-officer', label: 'fuzz\u0000label' };
    });
    add('POST /parameter-sets', 'NUL in a parameter-set version', (d) => {
      d.body = { model: 'isolated-simple', version: 'v\u0000nul', params: {} };
    });
    add('POST /accounts/{id}/trades', 'NUL in an idempotency key', (d) => {
      d.params['id'] = 'b1';
      d.body = { instrument: 'ETH_USDC-PERPETUAL', quantity: 0.5, idempotencyKey: 'corpus\u0000nul' };
    });
    market('a plain market update after the new accounts (stores the engine checkpoint)', { BTC: this.underlying(rng, 'BTC') }, { USDC: 1 }, []);
    const version = this.fresh('corpus-ps-');
    add('POST /parameter-sets', 'a parameter set of the engine model', (d) => {
      d.body = { model: 'isolated-simple', version, params: {} };
    });
    add('POST /parameter-sets/{model}/{version}/activate', 'activating it (rebuilds the engine from the store)', (d) => {
      d.params['model'] = 'isolated-simple';
      d.params['version'] = version;
    });
    out.push('restart check');
    return out;
  }

  /** Learns from a 2xx answer (new accounts, keys, parameter sets; revoked keys). */
  observe(p: PreparedRequest, status: number, body: unknown): void {
    if (status < 200 || status >= 300 || p.draft.pathOverride !== undefined || p.draft.method !== p.draft.op.method) return;
    const b = (body ?? {}) as Record<string, unknown>;
    const sent = p.draft.bodyText === undefined ? ((p.draft.body ?? {}) as Record<string, unknown>) : {};
    switch (p.draft.op.id) {
      case 'POST /accounts':
        if (typeof b['id'] === 'string' && !this.accounts.includes(b['id'])) this.accounts.push(b['id']);
        if (typeof b['id'] === 'string' && b['ownerKeyId'] === this.target.keys.holder.id) this.holderAccounts.add(b['id']);
        break;
      case 'POST /keys': {
        const id = (b['record'] as { id?: unknown } | undefined)?.id;
        if (typeof id === 'string') this.disposableKeys.push(id);
        break;
      }
      case 'DELETE /keys/{id}': {
        const i = this.disposableKeys.indexOf(p.draft.params['id'] ?? '');
        if (i >= 0) this.disposableKeys.splice(i, 1);
        break;
      }
      case 'POST /parameter-sets':
        if (typeof sent['model'] === 'string' && typeof sent['version'] === 'string') this.parameterSets.push({ model: sent['model'], version: sent['version'] });
        break;
      default:
        break;
    }
  }

  /** Reasons a role may not make this request (it must then be refused). */
  roleReasons(p: PreparedRequest): string[] {
    const d = p.draft;
    if (d.pathOverride !== undefined) return []; // not the operation's path
    const id = d.op.id;
    const role = d.principal;
    if (role === 'admin' || role === 'no-key' || role === 'bad-header' || role === 'revoked-key') return [];
    const out: string[] = [];
    if (ADMIN_ONLY.has(id)) out.push(`a ${role} key may not call ${id}`);
    if (role === 'risk-officer' && NOT_OFFICER.has(id)) out.push(`a risk-officer key may not call ${id}`);
    if (role === 'account-holder') {
      if (NOT_HOLDER.has(id)) out.push(`an account-holder key may not call ${id}`);
      const account = d.op.template.startsWith('/accounts/{id}') ? d.params['id'] : d.query.find(([k]) => k === 'accountId' || k === 'account')?.[1];
      if (account !== undefined && !this.holderAccounts.has(account)) out.push(`account ${JSON.stringify(account)} is not the holder's`);
    }
    return out;
  }

  /** Reasons the values a mutation put in must be refused although the document allows them. */
  domainReasons(p: PreparedRequest): string[] {
    const d = p.draft;
    if (d.pathOverride !== undefined || d.method !== d.op.method || d.rawParams.size > 0) return [];
    const id = d.op.id;
    const out: string[] = [];
    for (const f of d.flags) {
      if (!stillSent(d, f)) continue;
      const where = `${f.location}.${f.path.join('.')}`;
      if (f.tag.startsWith('instrument-')) {
        if (!INSTRUMENT_OPS.has(id) || f.tag === 'instrument-noncanonical') continue;
        // Closing a position (quantity 0) in an expired or unknown instrument is a fair request.
        if (f.location === 'body' && f.path.at(-1) === 'instrument' && valueAt(d.body, [...f.path.slice(0, -1), 'quantity']) === 0 && id !== 'POST /accounts/{id}/trades') continue;
        if (f.tag === 'instrument-unknown-underlying') {
          const base = String(f.value).trim().toUpperCase().split(/[-_]/)[0] ?? '';
          if (this.pricedCurrencies().has(base)) continue;
        }
        out.push(`${f.tag.replace('instrument-', '')} instrument ${JSON.stringify(f.value)} at ${where}`);
      } else if (f.tag === 'currency-unknown') {
        if (!CURRENCY_OPS.has(id) || this.pricedCurrencies().has(String(f.value).trim().toUpperCase())) continue;
        out.push(`currency ${JSON.stringify(f.value)} at ${where}, which the market does not price`);
      } else if (f.tag === 'number-absurd') {
        if (!WRITE_OPS.has(id)) continue;
        const n = numericValue(f.value);
        if (n === undefined || !Number.isFinite(n)) continue; // non-finite: the schema already refuses it
        const field = fieldOf(f.path);
        const bound = PLAUSIBLE.find(([re]) => re.test(field));
        if (bound === undefined) continue;
        const [, lo, hi] = bound;
        const mag = Math.abs(n);
        if (mag === 0 || (mag >= lo && mag <= hi)) continue; // 0 is fair where the schema allows it (removes a row)
        out.push(`${field} ${JSON.stringify(f.value instanceof RawJson ? f.value.text : n)} at ${where}, outside the plausible ${lo}…${hi}`);
      }
    }
    return out;
  }

  /**
   * Reads made after a 2xx change, to see the changed state can still be served (admin key): the overview, the
   * changed account and its margin; the model comparison (every model on the book, the expensive read) after every
   * market or parameter change and after every fourth account change, alternating with the P&L profile.
   */
  probesAfter(p: PreparedRequest, body: unknown): Probe[] {
    const d = p.draft;
    const out: Probe[] = [{ method: 'GET', url: '/margins' }];
    let account: string | undefined;
    let heavy: 'compare' | 'profile' | undefined;
    this.probeTurn += 1;
    if (d.op.template.startsWith('/accounts/{id}')) account = d.params['id'];
    if (d.op.id === 'POST /accounts') account = (body as { id?: string } | undefined)?.id;
    if (account !== undefined && this.probeTurn % 4 === 0) heavy = this.probeTurn % 8 === 0 ? 'profile' : 'compare';
    if (d.op.id === 'POST /market' || d.op.id.endsWith('/activate')) {
      out.push({ method: 'GET', url: '/market' });
      account = ['a1', 'b1', 'c1'][this.probeTurn % 3];
      heavy = 'compare';
      // A mutated market or parameter change that was accepted: every fixture book under every model.
      if (d.notes.length > 0) for (const other of ['a1', 'b1', 'c1'].filter((x) => x !== account)) out.push({ method: 'GET', url: `/accounts/${other}/compare` });
    }
    if (account !== undefined && this.accounts.includes(account)) {
      const a = encodeURIComponent(account);
      // The account was just created or changed: it must be readable at its own URL.
      out.push({ method: 'GET', url: `/accounts/${a}`, account }, { method: 'GET', url: `/accounts/${a}/margin` });
      if (heavy !== undefined) out.push({ method: 'GET', url: `/accounts/${a}/${heavy}` });
    }
    return out;
  }
}

/** A read after a change; with `account`, it must answer 200 with that account. */
export interface Probe {
  readonly method: string;
  readonly url: string;
  readonly account?: string;
}

export type { JsonSchema };
