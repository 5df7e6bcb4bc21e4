import { catalogueLoader } from '../dashboard-routes.js';
import { decidingEpoch, type JetStreamBus, type LoggedInput, type MarginVersion, type PartitionReader, type Progress } from '../../bus/jetstream-bus.js';
import { ClusterInputSchema, type ClusterInput, type InputOutcome } from '../../bus/cluster-input.js';
import { PartitionLeases, type HeldLease } from '../../bus/partition-leases.js';
import { CrossmarginError, toCrossmarginError } from '../../core/errors.js';
import type { EngineEvent } from '../../engine/live/engine-event.js';
import { parseEngineCheckpoint, type AccountFloor, type EngineCheckpoint } from '../../engine/live/engine-checkpoint.js';
import type { LiveEngine, ReportedFigures } from '../../engine/live/live-engine.js';
import type { MarketSnapshotFile } from '../../market/market-snapshot-schema.js';
import type { PortfolioFile } from '../../portfolio/portfolio-schema.js';
import type { CollectedEvents } from './collected-events.js';
import { answerEngineRequest } from './engine-request.js';

export interface PartitionWorkerOptions {
  /** This worker's id (the leases' owner). */
  readonly owner: string;
  /** The engine the worker's partitions live in: empty at start (the logs rebuild it). */
  readonly engine: LiveEngine;
  /** Lease time, ms (docs/scale-out.md: longer than a heartbeat plus the clock skew between workers). */
  readonly leaseMs: number;
  /** The engine's event sink, when its events are to be published (`cm.ev.<partition>`). */
  readonly events?: CollectedEvents;
  /** Inputs applied per partition per step at most (default 500; fewer when many partitions share ROUND_INPUTS). */
  readonly batch?: number;
  /**
   * A partition's snapshot is written once this many ms have passed since its last one and inputs were applied since
   * (default SNAPSHOT_EVERY_MS); also after SNAPSHOT_EVERY_INPUTS inputs.
   */
  readonly snapshotMs?: number;
  readonly now?: () => number;
  /** Told of a market message the engine refused (older than its market, outside the bounds): it is skipped. */
  readonly onRefusedMarket?: (seq: number, error: CrossmarginError) => void;
}

/** Inputs a round applies at most over all its partitions (each partition at least MIN_BATCH). */
export const ROUND_INPUTS = 4_000;
const MIN_BATCH = 50;

/** Market messages a round takes at most (each through the spike guard; one re-margin for them all). */
export const MARKET_READ_MAX = 100;
/** How often a worker offers its market state for workers started later (JetStreamBus.putMarketState), ms. */
export const MARKET_STATE_EVERY_MS = 1_000;

/** The market side of the engines' state after a market message (JetStreamBus.putMarketState). */
export interface MarketState {
  readonly market: MarketSnapshotFile;
  readonly checkpoint: EngineCheckpoint;
}

/**
 * What the margins bucket holds per account: the reported figures (the gateway's answer), the account's currency,
 * and what else its floor (current-state row) needs, which a new owner of the partition holds (holdPreviousFloors):
 * the state the floor carries when it is not the reported one, and why the account is unmarginable.
 */
export type PublishedMargin = ReportedFigures & {
  readonly currency: string;
  readonly floorState?: AccountFloor['state'];
  readonly unmarginable?: AccountFloor['unmarginable'];
  /** Underlyings of the account whose price is stale on the owner's engine (its figures are held): absent when none. */
  readonly staleUnderlyings?: readonly string[];
};

/**
 * Default time between a partition's snapshots, ms. Under the hour for which refusals stay recorded (JetStreamBus):
 * a replay from the latest snapshot finds the outcome of every input it replays.
 */
export const SNAPSHOT_EVERY_MS = 5 * 60_000;
/** Inputs after which a partition's snapshot is written whatever the time: bounds a takeover's replay. */
export const SNAPSHOT_EVERY_INPUTS = 20_000;

/**
 * A partition's snapshot (issue 17 §3): the documents of its accounts (positions with entry prices, collateral) after
 * every input up to `seq` is applied. A new owner loads it and replays the log from `seq + 1`; the floors it holds come
 * from the published margins (holdPreviousFloors), which are as new as the last input its predecessor published.
 */
export interface PartitionSnapshot {
  readonly partition: number;
  readonly seq: number;
  readonly accounts: readonly PortfolioFile[];
}

/** A partition's next inputs (PartitionWorker.readBatch). */
interface Batch {
  readonly partition: number;
  readonly owned: Owned;
  readonly inputs: readonly LoggedInput<unknown>[];
  readonly decided: ReadonlyMap<string, InputOutcome>;
}

/** What applying a batch made, to be written (PartitionWorker.writeBatch); `last` undefined: no input. */
interface AppliedBatch {
  readonly partition: number;
  readonly owned: Owned;
  readonly last: number | undefined;
  readonly touched: ReadonlySet<string>;
  readonly outcomes: readonly [string, InputOutcome][];
  readonly events: readonly { id: string; event: EngineEvent }[];
}

/** A partition this worker owns: its lease, the next log position to apply, its accounts. */
interface Owned {
  lease: HeldLease;
  nextSeq: number;
  /**
   * The partition's recorded progress when this worker took it: inputs up to it were decided by an earlier owner,
   * and are replayed as decided (apply).
   */
  readonly decidedUntil: number;
  /** The partition's progress when this worker took it: which earlier owner decided which inputs. */
  readonly taken: Progress;
  /** This owner's epoch: the lease revision it took the partition at (MarginVersion, outcomes, Progress.owners). */
  readonly epoch: number;
  /** The owners its progress records: the earlier ones, then this one from decidedUntil + 1. */
  readonly owners: Progress['owners'];
  /** The previous owner's floors are held (holdPreviousFloors): this owner's figures may be published. */
  floorsHeld: boolean;
  readonly accounts: Set<string>;
  /** The revision of the partition's progress entry as this owner last read or wrote it (fencing: setAppliedSeq). */
  progressRevision: number;
  /** The log position of the partition's latest snapshot, and when (ms) this worker took or wrote it. */
  snapshotSeq: number;
  snapshotAt: number;
  /** The partition's accounts by the page their margins are published in (JetStreamBus.marginPageOf). */
  readonly pages: Map<number, Set<string>>;
  readonly reader: PartitionReader<unknown>;
}

/**
 * An engine worker of the cluster (issue 17 §2): owns partitions by lease and applies each owned partition's log,
 * in order, to its live engine; publishes the margins of the accounts an input or a market changed, each input's
 * outcome, and how far each partition is applied (what a gateway waits for before acknowledging a write).
 *
 * One `step` is a round: the latest market, the leases (renewed, expired ones taken up to a fair share, lost ones
 * dropped at once), then a batch of each partition's inputs. A partition taken over is rebuilt from its latest
 * snapshot and the log after it (snapshotIfDue writes them). Every write an input makes is
 * deterministic, so a replay rewrites the same figures; the log position is recorded only after them, so a worker
 * killed mid-batch leaves its successor to apply that batch again, giving the same figures, never a gap.
 */
export class PartitionWorker {
  private readonly leases: PartitionLeases;
  private readonly owned = new Map<number, Owned>();
  private marketSeq = 0;
  /** The market stream from marketSeq on (undefined until the first round has loaded the market state). */
  private marketReader: PartitionReader<MarketSnapshotFile> | undefined;
  /** When this worker last offered its market state (putMarketState), ms. */
  private marketStateAt = 0;

  constructor(
    private readonly bus: JetStreamBus,
    private readonly options: PartitionWorkerOptions,
  ) {
    this.leases = new PartitionLeases(bus.leaseBucket, options.owner, options.leaseMs, options.now);
  }

  /** Partitions owned now, ascending. */
  partitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /**
   * One round: the market, the leases, then every owned partition's next batch — read together, applied to the
   * engine one partition after another (the engine's events are attributed to the input that made them), and written
   * together (the reads and writes of many partitions overlap on the bus).
   */
  async step(): Promise<void> {
    await this.applyMarket();
    await this.holdLeases();
    const batches = await Promise.all([...this.owned].map(([partition, owned]) => this.readBatch(partition, owned)));
    const applied: AppliedBatch[] = [];
    for (const batch of batches) applied.push(await this.applyBatch(batch));
    const failures = await Promise.all(
      applied.map((batch) =>
        this.writeBatch(batch).then(
          () => undefined,
          async (error: unknown) => {
            await this.abandon(batch.partition);
            return error;
          },
        ),
      ),
    );
    const failed = failures.find((error) => error !== undefined);
    if (failed !== undefined) throw failed;
  }

  /**
   * Gives up a partition whose batch could not be written (the bus refused a write after its retries): the engine has
   * applied inputs whose refusals, margins or progress are not recorded, so its state is no longer the log's as
   * published. Fail closed: the partition is dropped and its lease released (or left to expire), and whoever takes it
   * next rebuilds it from its snapshot and log, deciding the unrecorded inputs again; a gateway waiting for them sees
   * no progress until then, never a progress past a refusal that was not recorded.
   */
  private async abandon(partition: number): Promise<void> {
    const owned = this.owned.get(partition);
    if (owned === undefined) return;
    await this.drop(partition).catch(() => undefined);
    await this.leases.release(owned.lease).catch(() => undefined);
  }

  /**
   * Answers the gateways' engine requests (what-if, maximum order, the account's book, profile, comparison:
   * engine-request.ts) for the accounts of the
   * partitions this worker owns with their state complete (a lease not run out on its clock, a takeover's replay
   * done), until the returned stop; others are answered UNAVAILABLE for the gateway to retry.
   */
  answerRequests(): () => void {
    const owns = (accountId: string): boolean => {
      const owned = this.owned.get(this.bus.partitionOf(accountId));
      return owned !== undefined && owned.floorsHeld && owned.lease.expiresAt > (this.options.now ?? Date.now)();
    };
    const history = catalogueLoader(); // for comparisons: the bundled catalogue, loaded once per set of underlyings
    return this.bus.answerRequests(this.options.owner, (body) => answerEngineRequest(this.options.engine, owns, body, history));
  }

  /**
   * Announces this worker as live (its heartbeat), besides the one each round sends: a worker process sends it on a
   * timer too, so that a long round (a snapshot loaded, a large batch) does not make the others count one worker
   * fewer, raise their fair share and take partitions it would then give back — each move a replay.
   */
  heartbeat(): Promise<void> {
    return this.leases.heartbeat();
  }

  /** Gives every lease up (a clean shutdown: the partitions move at once instead of after the lease time). */
  async release(): Promise<void> {
    for (const [partition, owned] of this.owned) {
      await this.leases.release(owned.lease);
      await this.drop(partition);
    }
  }

  /**
   * Takes the market messages published since the last round, every one in order (at most MARKET_READ_MAX a round),
   * through the engine's spike guard, each stamped with the time the stream stored it, then re-margins once
   * (LiveEngine.onMarkets): every worker reading the same messages holds the same spikes and judges the same
   * staleness, whenever it reads them. A worker's first round starts from the market state the workers last wrote
   * (JetStreamBus.marketState: the merged market, the guard, the update times), so a worker started later holds a
   * spike held before it started; it offers its own state every MARKET_STATE_EVERY_MS.
   */
  private async applyMarket(): Promise<void> {
    const engine = this.options.engine;
    if (this.marketReader === undefined) {
      const stored = await this.bus.marketState<MarketState>();
      if (stored !== undefined) {
        await engine.restore(stored.state.market, parseEngineCheckpoint(stored.state.checkpoint, 'market state'));
        this.marketSeq = stored.seq;
      }
      this.marketReader = this.bus.marketReader<MarketSnapshotFile>(this.marketSeq + 1);
    }
    const messages = await this.marketReader.read(MARKET_READ_MAX);
    if (messages.length === 0) return;
    this.options.events?.take();
    const result = await engine.onMarkets(messages.map((m) => ({ update: m.body, at: m.at })));
    const seq = messages[messages.length - 1]!.seq;
    this.marketSeq = seq;
    for (const { index, error } of result.refused) this.options.onRefusedMarket?.(messages[index]!.seq, error);
    await this.bus.publishEvents(this.eventsOf(`market.${seq}`));
    const now = (this.options.now ?? Date.now)();
    if (now - this.marketStateAt >= MARKET_STATE_EVERY_MS && engine.currentMarket() !== undefined) {
      this.marketStateAt = now;
      await this.bus.putMarketState(seq, { market: engine.currentMarket()!.toJSON(), checkpoint: engine.checkpoint() } satisfies MarketState);
    }
    // The recomputed accounts' pages, partitions together. Not those of a partition still replaying up to its previous
    // owner's progress: that owner's published figures are the floors this one will hold (holdPreviousFloors).
    const byPartition = new Map<number, string[]>();
    for (const accountId of result.recomputed) {
      const partition = this.bus.partitionOf(accountId);
      if (this.owned.get(partition)?.floorsHeld !== true) continue;
      const list = byPartition.get(partition) ?? [];
      list.push(accountId);
      byPartition.set(partition, list);
    }
    await Promise.all([...byPartition].map(([partition, accounts]) => this.publishMargins(partition, this.owned.get(partition)!, accounts)));
  }

  /**
   * Renews what is held (a renewal refused means another worker took the partition: dropped at once), then keeps
   * this worker's fair share, ceil(partitions / live workers) by the workers' heartbeats: partitions above it are
   * released (highest first) for a newcomer, free or expired ones taken up to it.
   */
  private async holdLeases(): Promise<void> {
    await this.leases.heartbeat();
    for (const [partition, owned] of this.owned) {
      const renewed = await this.leases.renew(owned.lease);
      if (renewed === undefined) await this.drop(partition);
      else owned.lease = renewed;
    }
    const total = this.bus.topology.partitions;
    const share = Math.ceil(total / Math.max(1, (await this.leases.liveOwners()).length));
    for (const partition of this.partitions().reverse()) {
      if (this.owned.size <= share) break;
      await this.leases.release(this.owned.get(partition)!.lease);
      await this.drop(partition);
    }
    const now = (this.options.now ?? Date.now)();
    for (let p = 0; p < total && this.owned.size < share; p++) {
      if (this.owned.has(p)) continue;
      const lease = await this.leases.read(p);
      if (lease !== undefined && lease.owner !== '' && lease.expiresAt > now) continue;
      const taken = await this.leases.acquire(p);
      if (taken === undefined) continue;
      const { revision: progressRevision, ...progress } = await this.bus.progressOf(p);
      const decidedUntil = progress.seq;
      const snapshot = await this.loadSnapshot(p);
      const from = snapshot?.seq ?? 0;
      const owned: Owned = {
        lease: taken,
        nextSeq: from + 1,
        decidedUntil,
        taken: progress,
        // The lease revision it was taken at: greater than every earlier owner's.
        epoch: taken.revision,
        owners: [...progress.owners, [taken.revision, decidedUntil + 1]],
        floorsHeld: decidedUntil === 0,
        accounts: new Set(),
        pages: new Map(),
        reader: this.bus.reader(p, from + 1),
        snapshotSeq: from,
        snapshotAt: now,
        progressRevision,
      };
      // The snapshot's accounts into the engine before the partition counts as owned: a load that fails part way
      // leaves nothing behind (a partition missing accounts would refuse their trades as unknown).
      try {
        for (const document of snapshot?.accounts ?? []) {
          this.track(owned, document.account);
          await this.options.engine.upsertAccount(document);
        }
      } catch (error) {
        for (const accountId of owned.accounts) await this.options.engine.removeAccount(accountId).catch(() => undefined);
        await owned.reader.close().catch(() => undefined);
        await this.leases.release(taken);
        throw error;
      }
      this.owned.set(p, owned);
      // One snapshot loaded per round: loading one takes time (every account margined), and the leases held must be
      // renewed (next round) before they run out. The other free partitions are taken in the next rounds.
      if (snapshot !== undefined) break;
    }
  }

  /**
   * A partition's latest snapshot, or undefined: none yet, or it cannot be read (then the whole log is replayed,
   * which gives the same state, only later). One written at a position past the recorded progress is not used.
   */
  private async loadSnapshot(partition: number): Promise<PartitionSnapshot | undefined> {
    try {
      const snapshot = await this.bus.snapshot<PartitionSnapshot>(partition);
      return snapshot !== undefined && snapshot.partition === partition && snapshot.seq <= (await this.bus.appliedSeq(partition)) ? snapshot : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a partition's snapshot when one is due (SNAPSHOT_EVERY_MS, SNAPSHOT_EVERY_INPUTS), after the batch up to
   * `last` is applied and its progress recorded: the engine then holds exactly the inputs up to `last`.
   */
  private async snapshotIfDue(partition: number, owned: Owned, last: number): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const due = last - owned.snapshotSeq >= SNAPSHOT_EVERY_INPUTS || (last > owned.snapshotSeq && now - owned.snapshotAt >= (this.options.snapshotMs ?? SNAPSHOT_EVERY_MS));
    if (!due) return;
    const engine = this.options.engine;
    const accounts = [...owned.accounts].filter((id) => engine.hasAccount(id)).map((id) => engine.account(id));
    await this.bus.putSnapshot(partition, last, { partition, seq: last, accounts } satisfies PartitionSnapshot);
    owned.snapshotSeq = last;
    owned.snapshotAt = now;
  }

  /** Forgets a partition's accounts (another worker owns them now, or will). */
  private async drop(partition: number): Promise<void> {
    const owned = this.owned.get(partition);
    this.owned.delete(partition);
    // The accounts first: a reader that cannot be closed (the bus in trouble) must not leave them in the engine.
    for (const accountId of owned?.accounts ?? []) await this.options.engine.removeAccount(accountId);
    await owned?.reader.close().catch(() => undefined);
  }

  /** A partition's next inputs, with the outcomes an earlier owner recorded for those it decided. */
  private async readBatch(partition: number, owned: Owned): Promise<Batch> {
    // A round's inputs are bounded as a whole, so that a worker owning many partitions still ends its rounds (and
    // renews its leases) well within the lease time: rounds of 22 partitions × 500 inputs outlasted a 10 s lease in
    // the 1,000,000-account load, and the partitions flapped between workers, each move a replay.
    const perPartition = Math.max(MIN_BATCH, Math.floor(ROUND_INPUTS / Math.max(1, this.owned.size)));
    const inputs = await owned.reader.read(Math.min(this.options.batch ?? 500, perPartition));
    // Inputs up to the previous owner's progress were decided by it: refusals are the only outcomes recorded, so one
    // without a refusal was applied, and is applied again without being admitted again (admission depends on the
    // market of the moment: deciding it anew could refuse what a gateway acknowledged as applied).
    const decided = new Map<string, InputOutcome>();
    await this.inFlight(
      inputs.filter((i) => i.seq <= owned.decidedUntil),
      async (i) => {
        decided.set(i.msgId, (await this.bus.outcome<InputOutcome>(i.msgId, decidingEpoch(owned.taken, i.seq))) ?? { ok: true });
      },
    );
    return { partition, owned, inputs, decided };
  }

  /** Applies a batch to the engine, in log order, collecting each input's outcome and events. */
  private async applyBatch({ partition, owned, inputs, decided }: Batch): Promise<AppliedBatch> {
    const touched = new Set<string>();
    const outcomes: [string, InputOutcome][] = [];
    const events: { id: string; event: EngineEvent }[] = [];
    this.options.events?.take();
    for (const input of inputs) {
      const parsed = ClusterInputSchema.safeParse(input.body);
      let outcome: InputOutcome;
      if (!parsed.success) {
        outcome = { ok: false, code: 'SCHEMA_INVALID', message: parsed.error.issues[0]?.message ?? 'invalid input', field: parsed.error.issues[0]?.path.join('.') };
      } else {
        outcome = await this.apply(parsed.data, decided.get(input.msgId));
        this.track(owned, parsed.data.accountId);
        touched.add(parsed.data.accountId);
      }
      outcomes.push([input.msgId, outcome]);
      events.push(...this.eventsOf(input.msgId));
    }
    const last = inputs.at(-1)?.seq;
    if (last !== undefined) owned.nextSeq = last + 1;
    return { partition, owned, last, touched, outcomes, events };
  }

  /**
   * Writes what a batch made: its events, its refusals, the margins pages of its accounts, then the progress a
   * gateway waits for — after renewing the lease. A replay of what the previous owner applied writes nothing.
   */
  private async writeBatch({ partition, owned, last, touched, outcomes, events }: AppliedBatch): Promise<void> {
    if (last === undefined || last <= owned.decidedUntil) {
      // Nothing new, or a replay of what the previous owner applied and published: its outcomes, events and figures
      // are out already, and this owner's replayed figures must not replace the floors it reported.
      if (!owned.floorsHeld && owned.nextSeq > owned.decidedUntil) await this.holdPreviousFloors(partition, owned);
      // A quiet partition's last inputs get into a snapshot too, within snapshotMs: a replay never needs the outcome
      // of an input older than that (refusals are kept an hour).
      if (owned.floorsHeld) await this.snapshotIfDue(partition, owned, owned.nextSeq - 1);
      return;
    }
    // Still the owner? A worker paused past its lease (a long GC, a stopped VM) must not write over its successor's
    // figures: the lease is renewed, by compare-and-set, before the batch's figures and progress are written. (The
    // window left, the time those writes take, is fenced by epoch: the progress by compare-and-set, the margins and
    // refusals by this owner's epoch, which readers rank below its successor's: docs/scale-out.md "Fencing".)
    const renewed = await this.leases.renew(owned.lease);
    if (renewed === undefined) {
      await this.drop(partition);
      return;
    }
    owned.lease = renewed;
    if (!owned.floorsHeld) await this.holdPreviousFloors(partition, owned);
    // Events, refusals and margins in flight together (independent keys; JetStream pipelines them), all stored before
    // the progress that tells a gateway the batch is applied. Only refusals are recorded: an input at or below the
    // progress without one was applied (ClusterWriter).
    await Promise.all([
      this.bus.publishEvents(events),
      this.inFlight(
        outcomes.filter(([, outcome]) => !outcome.ok),
        ([msgId, outcome]) => this.bus.putOutcome(msgId, owned.epoch, outcome),
      ),
      this.publishAccountMargins(partition, [this.marketSeq, last, owned.epoch], [...touched]),
    ]);
    owned.progressRevision = await this.bus.setAppliedSeq(partition, { seq: last, owners: owned.owners }, owned.progressRevision);
    await this.snapshotIfDue(partition, owned, last);
  }

  /**
   * Once a partition taken over is replayed up to its previous owner's progress: its accounts start from the figures
   * that owner last published (their floors: a stale account's margin is not lowered, an unmarginable one holds its
   * figures, hysteresis goes on), then this owner publishes its own. Issue 17 §3: no margin lowered by a move.
   */
  private async holdPreviousFloors(partition: number, owned: Owned): Promise<void> {
    const floors: Record<string, AccountFloor> = {};
    for (const [accountId, published] of await this.bus.partitionMargins<PublishedMargin>(partition, [...owned.accounts])) floors[accountId] = floorOf(published);
    await this.options.engine.holdFloors(floors);
    owned.floorsHeld = true;
    await this.publishMargins(partition, owned, [...owned.accounts]);
  }

  /** Notes an account of an owned partition, with its margins page. */
  private track(owned: Owned, accountId: string): void {
    if (owned.accounts.has(accountId)) return;
    owned.accounts.add(accountId);
    const page = this.bus.marginPageOf(accountId);
    const accounts = owned.pages.get(page) ?? new Set<string>();
    accounts.add(accountId);
    owned.pages.set(page, accounts);
  }

  /**
   * Applies an input to the engine, after the admission the single-process service makes (MarginService): an account
   * or a trade that would leave the account unmarginable is refused with the engine's coded error, and changes
   * nothing. Admission depends on the market of the moment, so an input an earlier owner decided (`decided`, its
   * recorded outcome) is replayed as it was decided: a refused one stays refused, an applied one is applied again.
   */
  private async apply(input: ClusterInput, decided: InputOutcome | undefined): Promise<InputOutcome> {
    if (decided !== undefined && !decided.ok) return decided;
    const engine = this.options.engine;
    try {
      if (input.kind === 'account') {
        if (decided === undefined) engine.admit(input.document);
        await engine.upsertAccount(input.document);
      } else if (input.kind === 'trade') {
        if (decided === undefined && engine.hasAccount(input.accountId)) admitTrade(engine, input);
        await engine.applyTrade(input.accountId, input.instrument, input.quantity);
      } else {
        await engine.setCollateral(input.accountId, input.currency, input.balance);
      }
      return { ok: true };
    } catch (error) {
      const e = toCrossmarginError(error);
      return { ok: false, code: e.code, message: e.message, field: e.field };
    }
  }

  /**
   * The events the engine made since the last take, each with an id from what made it (`<input id>#<k>`, or
   * `market.<seq>.<account>#<k>`): a replay by another owner makes the same ids, which the event stream drops.
   */
  private eventsOf(source: string): { id: string; event: EngineEvent }[] {
    const counts = new Map<string, number>();
    return (this.options.events?.take() ?? []).map((event) => {
      // A market's own events (the spike guard's) by the time of the message that made them: every worker makes them
      // alike however it batched the messages, and the event stream keeps one of each.
      const key = !source.startsWith('market.') ? source : 'accountId' in event ? `${source}.${event.accountId}` : `market@${event.at}`;
      const k = counts.get(key) ?? 0;
      counts.set(key, k + 1);
      return { id: `${key}#${k}`, event };
    });
  }

  /** `work` on every item, at most 256 in flight (JetStream pipelines the writes; a bound keeps memory flat). */
  private async inFlight<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    for (let i = 0; i < items.length; i += 256) await Promise.all(items.slice(i, i + 256).map(work));
  }

  /**
   * Publishes the margins pages holding `accountIds` (a market tick's, a takeover's), each rebuilt whole from the
   * engine, at the version of everything the engine has applied: a page per key-value write, so a tick writes at most
   * MARGIN_PAGES entries per partition.
   */
  private async publishMargins(partition: number, owned: Owned, accountIds: readonly string[]): Promise<void> {
    const version: MarginVersion = [this.marketSeq, owned.nextSeq - 1, owned.epoch];
    const pages = new Set(accountIds.map((accountId) => this.bus.marginPageOf(accountId)));
    await this.inFlight([...pages], async (page) => {
      const margins: Record<string, PublishedMargin> = {};
      for (const accountId of owned.pages.get(page) ?? []) {
        const margin = this.published(accountId);
        if (margin !== undefined) margins[accountId] = margin;
      }
      await this.bus.putMarginPage(partition, page, version, margins);
    });
  }

  /** Publishes the margins of the accounts a batch of inputs touched, one entry each (JetStreamBus.putAccountMargin). */
  private async publishAccountMargins(partition: number, version: MarginVersion, accountIds: readonly string[]): Promise<void> {
    await this.inFlight(accountIds, async (accountId) => {
      const margin = this.published(accountId);
      if (margin !== undefined) await this.bus.putAccountMargin(partition, accountId, version, margin);
    });
  }

  /** What to publish for an account; undefined when it has no margin: none yet (no market), or never margined. */
  private published(accountId: string): PublishedMargin | undefined {
    const engine = this.options.engine;
    if (!engine.hasAccount(accountId)) return undefined;
    try {
      return publishedMargin(engine, accountId);
    } catch (error) {
      const code = toCrossmarginError(error).code;
      if (code !== 'USAGE_INVALID' && code !== 'ACCOUNT_UNMARGINABLE') throw error;
      return undefined;
    }
  }
}

/**
 * A trade must leave its account marginable on the current market (as MarginService admits one): the what-if of the
 * trade is evaluated, and an error refuses it naming the trade's instrument. No market yet: nothing to check.
 */
function admitTrade(engine: LiveEngine, trade: Extract<ClusterInput, { kind: 'trade' }>): void {
  if (engine.currentMarket() === undefined) return;
  try {
    engine.whatIf(trade.accountId, [{ instrument: trade.instrument, quantity: trade.quantity }]);
  } catch (error) {
    const e = toCrossmarginError(error);
    throw new CrossmarginError(e.code === 'INTERNAL' ? 'ACCOUNT_UNMARGINABLE' : e.code, `instrument: refused, the account could not be margined after this trade: ${e.message}`, { field: 'instrument', details: { cause: { code: e.code, ...(e.field === undefined ? {} : { field: e.field }) } } });
  }
}

/**
 * What the owner of `accountId`'s partition publishes for it (PublishedMargin). Throws as marginFigures does when
 * there is no margin yet.
 */
export function publishedMargin(engine: LiveEngine, accountId: string): PublishedMargin {
  const figures = engine.marginFigures(accountId);
  const staleUnderlyings = engine.staleUnderlyings(accountId);
  const stale = staleUnderlyings.length > 0 ? { staleUnderlyings } : {};
  const row = engine.accountState(accountId);
  if (row === undefined) return { ...figures, currency: engine.account(accountId).currency, ...stale };
  return {
    ...figures,
    ...stale,
    currency: row.currency,
    ...(row.state === figures.state ? {} : { floorState: row.state }),
    ...(row.unmarginable === undefined ? {} : { unmarginable: row.unmarginable }),
  };
}

/** The floor a published margin carries (the current-state row it was published from, without the id). */
function floorOf(m: PublishedMargin): AccountFloor {
  return { initialMargin: m.initialMargin, maintenanceMargin: m.maintenanceMargin, equity: m.equity, currency: m.currency, state: m.floorState ?? m.state, asOf: m.asOf, ...(m.unmarginable === undefined ? {} : { unmarginable: m.unmarginable }) };
}
