import { createHash } from 'node:crypto';
import type { LiveEngine } from '../../src/engine/live/live-engine.js';
import type { Store } from '../../src/store/store.js';

/**
 * A cheap fingerprint of everything a request may change: per part, a hash of the listed content (accounts,
 * positions, collateral, latest market snapshot, API keys, parameter sets; the engine's documents, margins and
 * market) and, for the append-only audit log and events, the last id. Two digests are compared part by part, so a
 * difference names what changed.
 */
export interface StateDigest {
  readonly parts: Readonly<Record<string, string>>;
}

function hash(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) ?? 'undefined')
    .digest('base64url')
    .slice(0, 16);
}

/** Tracks the high-water marks of the append-only tables, so each digest reads only what was appended since. */
export class StateWatcher {
  private auditLast = 0;
  private eventsLast = 0;

  constructor(
    private readonly store: Store,
    private readonly engine: () => LiveEngine,
  ) {}

  async digest(): Promise<StateDigest> {
    const store = this.store;
    const [accounts, market, keys, parameterSets, audit, events] = await Promise.all([
      store.listAccounts(),
      store.latestMarketSnapshot(),
      store.listApiKeys(),
      store.listParameterSets(),
      store.listAudit({ afterId: this.auditLast }),
      store.listEvents({ afterId: this.eventsLast }),
    ]);
    // Entries appended after the previous digest move the mark: the part differs from the previous digest's.
    this.auditLast = audit.reduce((m, e) => Math.max(m, e.id), this.auditLast);
    this.eventsLast = events.reduce((m, e) => Math.max(m, e.id), this.eventsLast);
    const books = await Promise.all(accounts.map(async (a) => [a.id, await store.listPositions(a.id), await store.listCollateral(a.id)] as const));
    const engine = this.engine();
    const engineAccounts = engine.accountIds().sort();
    const margins = engineAccounts.map((id) => {
      try {
        // computedAt is left out: a recompute with the same inputs is not a change of state.
        const margin: Record<string, unknown> = { ...engine.margin(id) };
        delete margin['computedAt'];
        return [id, margin];
      } catch (error) {
        return [id, `no margin: ${(error as { code?: string }).code ?? 'error'}`];
      }
    });
    return {
      parts: {
        accounts: hash(accounts),
        positions: hash(books.map(([id, positions]) => [id, positions])),
        collateral: hash(books.map(([id, , collateral]) => [id, collateral])),
        marketSnapshot: hash(market === undefined ? null : [market.id, market.asOf, market.json]),
        apiKeys: hash(keys),
        parameterSets: hash(parameterSets),
        audit: `last id ${this.auditLast}`,
        events: `last id ${this.eventsLast}`,
        engineAccounts: hash(engineAccounts.map((id) => [id, engine.account(id)])),
        engineMargins: hash(margins),
        engineMarket: hash(engine.currentMarket()?.toJSON() ?? null),
        engineParameters: String(engine.settings().parameterVersion ?? '(defaults)'),
      },
    };
  }
}

/** The parts that differ (empty when the state is unchanged). */
export function changedParts(before: StateDigest, after: StateDigest): string[] {
  const names = new Set([...Object.keys(before.parts), ...Object.keys(after.parts)]);
  return [...names].filter((n) => before.parts[n] !== after.parts[n]).sort();
}
