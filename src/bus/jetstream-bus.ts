import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type MsgRequest } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { randomBytes } from 'node:crypto';
import { CrossmarginError } from '../core/errors.js';
import { marginPageOf, partitionOf } from './partition-of.js';

/**
 * The cluster's layout on NATS JetStream (issue 17, docs/scale-out.md "Streams and buckets"):
 * - `CM_INPUTS`, subjects `cm.in.<partition>`: every partition's inputs (account changes, trades, collateral) in
 *   order; a message's id is the input's idempotency key, so JetStream drops a repeat within `duplicateWindowMs`.
 *   One stream filtered by subject rather than one stream per partition: one replicated log instead of 64 raft groups.
 * - `CM_MARKET`, subject `cm.market`: market snapshots, read by every worker.
 * - `CM_EVENTS`, subjects `cm.ev.<partition>`: margins, states and events published by partition owners.
 * - key-value buckets `cm-margins` (the current margin of each account, by pages of a partition: marginPageOf),
 *   `cm-leases` (partition ownership), `cm-progress` (how far each partition is applied, and by which owners),
 *   `cm-outcomes` (the refusals of inputs by their deciding owner's epoch, for an hour) and `cm-snapshots` (each
 *   partition's latest snapshot, and the workers' market state, in chunks).
 * - core NATS subjects `cm.rq.<worker>`: the gateways' engine requests to a partition's owner (answerRequests).
 */
export interface BusTopology {
  /** Partitions accounts hash into (partitionOf); fixed for the life of a cluster. */
  readonly partitions: number;
  /** Copies of every stream and bucket (3 on a three-node cluster: one node may fail). */
  readonly replicas: number;
  /** How long JetStream remembers message ids for deduplication, ms. */
  readonly duplicateWindowMs: number;
}

export const DEFAULT_TOPOLOGY: BusTopology = { partitions: 64, replicas: 3, duplicateWindowMs: 10 * 60_000 };

export const STREAMS = { inputs: 'CM_INPUTS', market: 'CM_MARKET', events: 'CM_EVENTS' } as const;
export const BUCKETS = { margins: 'cm-margins', leases: 'cm-leases', progress: 'cm-progress', outcomes: 'cm-outcomes', snapshots: 'cm-snapshots' } as const;

/** How long a bus read or write is retried through a node failure before it is refused, ms (JetStreamBus.open). */
const DEFAULT_RETRY_MS = 20_000;

/** Bytes per chunk of a partition snapshot (JetStreamBus.putSnapshot): under NATS's default 1 MiB message limit. */
const SNAPSHOT_CHUNK = 512 * 1024;

/** How long an input's outcome stays readable by the gateway that wrote it, ms. */
const OUTCOME_TTL_MS = 60 * 60_000;

/** A bucket key for an input id (an idempotency key: any string). */
function inputKey(msgId: string): string {
  return `i.${Buffer.from(msgId, 'utf8').toString('base64url')}`;
}

/**
 * What a published margin includes: [the market stream's sequence, the partition's last applied input sequence, the
 * epoch of the owner that computed it] (the epoch: the lease revision at which it took the partition, which only
 * grows from one owner to the next). Of two entries for an account the newer is the one of the later owner, then of
 * the greater market and input sequences: both only grow for an owner and from one owner to the next (a new owner
 * writes nothing before it has replayed its predecessor's inputs), and the epoch first fences an owner paused past
 * its lease, whose late writes lose to its successor's (docs/scale-out.md "Fencing"). An entry written before epochs
 * has none: 0.
 */
export type MarginVersion = readonly [market: number, input: number, epoch?: number];

/** A margin with its version (JetStreamBus.putAccountMargin). */
export interface VersionedMargin<T> {
  readonly v: MarginVersion;
  readonly margin: T;
}

/** The newer of two versioned margins (either may be missing); the first when equal. */
export function newer<T>(a: VersionedMargin<T> | undefined, b: VersionedMargin<T> | undefined): VersionedMargin<T> | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const ea = a.v[2] ?? 0;
  const eb = b.v[2] ?? 0;
  if (ea !== eb) return eb > ea ? b : a;
  return b.v[0] > a.v[0] || (b.v[0] === a.v[0] && b.v[1] > a.v[1]) ? b : a;
}

/**
 * A partition's recorded progress: applied up to `seq`, and which owner decided which inputs — `owners`, each
 * [epoch, first log position it decided], in order (the last OWNER_HISTORY). An input's outcome is the one its
 * deciding owner recorded (JetStreamBus.outcome by epoch): a refusal written late by an owner paused past its lease,
 * for an input its successor decided again, is never read.
 */
export interface Progress {
  readonly seq: number;
  readonly owners: readonly (readonly [epoch: number, from: number])[];
}

/** Owners a progress entry remembers: far more than a partition sees within the hour its outcomes are kept. */
export const OWNER_HISTORY = 64;

/** The epoch of the owner that decided log position `seq` (0 when the progress names none: written before epochs). */
export function decidingEpoch(progress: Progress, seq: number): number {
  let epoch = 0;
  for (const [e, from] of progress.owners) if (from <= seq) epoch = e;
  return epoch;
}

/** A progress entry's value: JSON, or a bare number as written before owners were recorded. */
function parseProgress(text: string): Progress {
  if (/^\d+$/.test(text)) return { seq: Number(text), owners: [] };
  const value = JSON.parse(text) as Progress;
  return { seq: value.seq, owners: value.owners ?? [] };
}

/** An account's own margin key: `a.<partition>.<id as base64url>` (a key may hold only [-/_=.a-zA-Z0-9]). */
function accountKey(partition: number, accountId: string): string {
  return `a.${partition}.${Buffer.from(accountId, 'utf8').toString('base64url')}`;
}

/** An input as the partition's log holds it: its stream sequence (the log position) and its body. */
export interface LoggedInput<T> {
  readonly seq: number;
  readonly msgId: string;
  readonly body: T;
  /** When the stream stored it, epoch ms (the leader's clock). */
  readonly at: number;
}

/** Reads one partition's log in order (JetStreamBus.reader). */
export interface PartitionReader<T> {
  /** The next inputs, up to `max` (fewer, or none, when the log has no more yet). */
  read(max: number): Promise<LoggedInput<T>[]>;
  close(): Promise<void>;
}

/** What a publish told: the partition, the log position, and whether JetStream had the id already (a repeat). */
export interface PublishedInput {
  readonly partition: number;
  readonly seq: number;
  readonly duplicate: boolean;
}

const nanos = (ms: number): number => ms * 1_000_000;

/** A key-value bucket and a listing of its keys that needs no consumer (PartitionLeases; see JetStreamBus.keysOf). */
export interface ListedBucket {
  readonly kv: KV;
  keys(filter: string): Promise<string[]>;
}

/** Messages a log read takes at most (logReader): each is a request to the stream leader. */
const MESSAGE_READ_MAX = 250;

/** A worker id as one subject token (base64url: an id may hold dots, spaces or wildcards). */
function requestToken(owner: string): string {
  return Buffer.from(owner, 'utf8').toString('base64url');
}

/** A connection to the cluster's streams and buckets. */
export class JetStreamBus {
  private constructor(
    readonly topology: BusTopology,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly margins: KV,
    readonly leases: KV,
    private readonly progress: KV,
    private readonly outcomes: KV,
    private readonly snapshots: KV,
    /** How long a write is retried through a node failure before it is refused, ms. */
    private readonly retryMs = DEFAULT_RETRY_MS,
  ) {}

  /** latestMarketAsOf's last read (shared by the requests within its age). */
  private marketAsOf: { at: number; asOf: Promise<string | undefined> } | undefined;

  /** Connects to `servers` and makes sure the streams and buckets exist (creating them on first use). */
  /**
   * `retryMs`: how long a read or write is retried through a node failure (a leader election) before it is refused
   * (default 20 s); a bulk load on an overloaded machine may need longer.
   */
  static async open(servers: readonly string[], topology: BusTopology = DEFAULT_TOPOLOGY, options: { retryMs?: number } = {}): Promise<JetStreamBus> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: [...servers], name: 'crossmargin', maxReconnectAttempts: -1 });
    } catch (error) {
      throw new CrossmarginError('INTERNAL', `cannot connect to NATS at ${servers.join(', ')}: ${(error as Error).message}`, { field: 'nats', cause: error });
    }
    try {
      const jsm = await jetstreamManager(nc);
      const common = { num_replicas: topology.replicas, storage: StorageType.File, retention: RetentionPolicy.Limits };
      await ensureStream(jsm, { ...common, name: STREAMS.inputs, subjects: ['cm.in.*'], duplicate_window: nanos(topology.duplicateWindowMs) });
      await ensureStream(jsm, { ...common, name: STREAMS.market, subjects: ['cm.market'] });
      // Events are deduplicated too: a new owner replaying a partition makes the same events under the same ids.
      await ensureStream(jsm, { ...common, name: STREAMS.events, subjects: ['cm.ev.*'], duplicate_window: nanos(topology.duplicateWindowMs) });
      const js = jetstream(nc);
      const kvm = new Kvm(js);
      // Every bucket is read through its stream's leader, not by direct get, which any replica may answer before it
      // has caught up: a gateway reads an outcome or a margin right after the progress that covers it, and a lease
      // must be read as it is. (Consistent reads over fast ones.)
      const bucket = { replicas: topology.replicas, history: 1, allow_direct: false };
      const margins = await kvm.create(BUCKETS.margins, bucket);
      const leases = await kvm.create(BUCKETS.leases, bucket);
      const progress = await kvm.create(BUCKETS.progress, bucket);
      const outcomes = await kvm.create(BUCKETS.outcomes, { ...bucket, ttl: OUTCOME_TTL_MS });
      const snapshots = await kvm.create(BUCKETS.snapshots, bucket);
      await agreeOnPartitions(leases, topology.partitions);
      return new JetStreamBus(topology, nc, js, jsm, margins, leases, progress, outcomes, snapshots, options.retryMs);
    } catch (error) {
      await nc.close();
      throw error instanceof CrossmarginError ? error : new CrossmarginError('INTERNAL', `NATS JetStream: ${(error as Error).message}`, { field: 'nats', cause: error });
    }
  }

  /** The leases bucket with its key listing (PartitionLeases). */
  get leaseBucket(): ListedBucket {
    return { kv: this.leases, keys: (filter) => this.keysOf(BUCKETS.leases, filter) };
  }

  /**
   * Keys of `bucket` matching `filter` (a subject pattern: `w.*`), from its stream's subject counts: one request to
   * the stream's leader. Not the client's kv.keys(), which makes an ordered consumer, and on nats-server 2.9 such a
   * consumer's creation fails about one time in three for minutes after a node is lost (logReader). A key whose last
   * entry is a delete is listed too: read it to know.
   */
  async keysOf(bucket: string, filter: string): Promise<string[]> {
    const prefix = `$KV.${bucket}.`;
    const info = await this.jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  }

  partitionOf(accountId: string): number {
    return partitionOf(accountId, this.topology.partitions);
  }

  /**
   * Appends an input to its account's partition log, acknowledged once JetStream has stored it on a majority of the
   * replicas. `msgId` is the input's idempotency key: a repeat within the window is acknowledged as a duplicate with
   * the first one's sequence and not stored again.
   */
  async publishInput(accountId: string, msgId: string, body: unknown): Promise<PublishedInput> {
    const partition = this.partitionOf(accountId);
    const data = JSON.stringify(body);
    // While a node is lost the client reconnects and the stream elects a new leader (seconds): the publish is retried
    // with the same id until acknowledged, which is safe because a repeat id is stored once.
    return this.retried(`acknowledging input ${msgId}`, async () => {
      const ack = await this.js.publish(`cm.in.${partition}`, data, { msgID: msgId, timeout: 2_000 });
      return { partition, seq: ack.seq, duplicate: ack.duplicate };
    });
  }

  /**
   * Up to `max` inputs of `partition` from log position `fromSeq` on, in order (a one-off ordered read). Retried
   * through a node failure like publishInput. A partition's owner reads with a PartitionReader instead.
   */
  async readInputs<T>(partition: number, fromSeq: number, max: number): Promise<LoggedInput<T>[]> {
    const reader = this.reader<T>(partition, fromSeq);
    try {
      return await reader.read(max);
    } finally {
      await reader.close();
    }
  }

  /** A reader of `partition`'s log from `fromSeq` on, in order (logReader). */
  reader<T>(partition: number, fromSeq: number): PartitionReader<T> {
    return this.logReader<T>(STREAMS.inputs, `cm.in.${partition}`, fromSeq);
  }

  /**
   * Publishes events of accounts (engine events: state transitions, margin calls, liquidations) to their partitions'
   * event subjects `cm.ev.<p>`, each under its id (repeats dropped within the window); events of no account (the
   * market's) go to `cm.ev.market`.
   */
  async publishEvents(events: readonly { readonly id: string; readonly event: object }[]): Promise<void> {
    await Promise.all(
      events.map(({ id, event }) => {
        const accountId = 'accountId' in event && typeof event.accountId === 'string' ? event.accountId : undefined;
        const subject = `cm.ev.${accountId === undefined ? 'market' : this.partitionOf(accountId)}`;
        return this.retried(`publishing event ${id}`, () => this.js.publish(subject, JSON.stringify(event), { msgID: id, timeout: 2_000 }));
      }),
    );
  }

  /** A reader of `partition`'s events ('market': the market's) from stream position `fromSeq` on. */
  eventReader<T>(partition: number | 'market', fromSeq: number): PartitionReader<T> {
    return this.logReader<T>(STREAMS.events, `cm.ev.${partition}`, fromSeq);
  }

  /**
   * Reads `subject` of `stream` in order from `fromSeq` on, message by message through the stream leader's message
   * API (`next_by_subj`), up to MESSAGE_READ_MAX per read. Not through an ordered consumer: under a bulk load on
   * nats-server 2.9.10 the ordered consumer this reader kept between reads skipped messages — a partition's owner
   * never saw an account's creation while the progress passed it (the 20,000-account cluster bench refused a trade
   * on that account as unknown in two runs of three with the consumer, none in four without). A consumer's
   * creation also hangs for minutes after a node is lost on that version. The message API answers in order and once a
   * new leader is elected.
   */
  private logReader<T>(stream: string, subject: string, fromSeq: number): PartitionReader<T> {
    let next = Math.max(1, fromSeq);
    return {
      read: (max) =>
        this.retried(`reading ${subject}`, async () => {
          const out = await this.readByMessage<T>(stream, subject, next, Math.min(max, MESSAGE_READ_MAX));
          if (out.length > 0) next = out[out.length - 1]!.seq + 1;
          return out;
        }),
      close: async () => undefined,
    };
  }

  /** Up to `max` messages of `subject` from `fromSeq` on, one stream-message request each (no consumer). */
  private async readByMessage<T>(stream: string, subject: string, fromSeq: number, max: number): Promise<LoggedInput<T>[]> {
    const out: LoggedInput<T>[] = [];
    let seq = fromSeq;
    while (out.length < max) {
      // nats-server ≥ 2.9 takes next_by_subj on this API too; the client types it for direct gets only.
      const m = await this.jsm.streams.getMessage(stream, { seq, next_by_subj: subject } as unknown as MsgRequest);
      if (m === null) break;
      out.push({ seq: m.seq, msgId: m.header?.get('Nats-Msg-Id') ?? '', body: m.json<T>(), at: m.time.getTime() });
      seq = m.seq + 1;
    }
    return out;
  }

  /** `work` retried with backoff until it succeeds or `retryMs` have passed (then a coded error naming `what`). */
  private async retried<T>(what: string, work: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (Date.now() >= deadline) throw new CrossmarginError('INTERNAL', `NATS JetStream: ${what} failed for ${this.retryMs} ms: ${(error as Error).message}`, { field: 'nats', cause: error });
        await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * 2 ** attempt)));
      }
    }
  }

  /** Publishes a market snapshot for every worker (deduplicated by its asOf). */
  async publishMarket(snapshot: { readonly asOf: string }): Promise<number> {
    const data = JSON.stringify(snapshot);
    const seq = await this.retried(`publishing the market of ${snapshot.asOf}`, async () => (await this.js.publish('cm.market', data, { msgID: `market.${snapshot.asOf}`, timeout: 2_000 })).seq);
    // This connection's latestMarketAsOf knows it at once (the gateway that published it flags older figures at once).
    this.marketAsOf = { at: Date.now(), asOf: Promise.resolve(snapshot.asOf) };
    return seq;
  }

  /**
   * A reader of the market stream from `fromSeq` on, in order, each snapshot with the time the stream stored it (a
   * worker takes every one through its spike guard, stamped with that time: every worker judges them alike).
   */
  marketReader<T>(fromSeq: number): PartitionReader<T> {
    return this.logReader<T>(STREAMS.market, 'cm.market', fromSeq);
  }

  /** The latest market snapshot and its sequence, or undefined when none was published. */
  async latestMarket<T>(): Promise<{ seq: number; snapshot: T } | undefined> {
    return this.retried('reading the latest market', async () => {
      const info = await this.jsm.streams.info(STREAMS.market);
      if (info.state.messages === 0) return undefined;
      const m = await this.jsm.streams.getMessage(STREAMS.market, { last_by_subj: 'cm.market' });
      return m === null ? undefined : { seq: m.seq, snapshot: m.json<T>() };
    });
  }

  /**
   * The asOf of the latest market published, read at most once per `maxAgeMs` (a gateway asks on every margin read,
   * to flag figures computed on an older market; a flag late by that much is the price of not reading a whole
   * snapshot per request). Undefined when none was published.
   */
  async latestMarketAsOf(maxAgeMs = 250): Promise<string | undefined> {
    const now = Date.now();
    if (this.marketAsOf === undefined || now - this.marketAsOf.at > maxAgeMs) {
      const read = this.latestMarket<{ asOf: string }>().then((m) => m?.snapshot.asOf);
      this.marketAsOf = { at: now, asOf: read };
      read.catch(() => {
        if (this.marketAsOf?.asOf === read) this.marketAsOf = undefined;
      });
    }
    return this.marketAsOf.asOf;
  }

  /** The log position a partition's owner has applied up to (0: nothing yet). */
  async appliedSeq(partition: number): Promise<number> {
    return (await this.progressOf(partition)).seq;
  }

  /** A partition's progress with the revision of its entry (0: none yet), for setAppliedSeq's compare-and-set. */
  async progressOf(partition: number): Promise<Progress & { revision: number }> {
    const entry = await this.retried(`reading partition ${partition}'s progress`, () => this.progress.get(`p.${partition}`));
    return entry === null || entry.operation !== 'PUT' ? { seq: 0, owners: [], revision: entry?.revision ?? 0 } : { ...parseProgress(entry.string()), revision: entry.revision };
  }

  /**
   * Records that a partition's inputs are applied up to `seq` (after their margins and outcomes are written), only if
   * its progress entry is still at `revision` (the one its owner read at takeover or last wrote); returns the new
   * revision. Fencing (issue 17 §3): an owner paused past its lease, whose successor has recorded progress since, is
   * refused (CONFLICT, field `partition`) instead of moving the progress a gateway trusts. A retry after a write that
   * did land (its answer lost) finds its own value and takes it.
   */
  async setAppliedSeq(partition: number, progress: Progress, revision: number): Promise<number> {
    const key = `p.${partition}`;
    const value = JSON.stringify({ seq: progress.seq, owners: progress.owners.slice(-OWNER_HISTORY) });
    const deadline = Date.now() + this.retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return revision === 0 ? await this.progress.create(key, value) : await this.progress.update(key, value, revision);
      } catch (error) {
        const now = await this.retried(`reading partition ${partition}'s progress`, () => this.progress.get(key));
        if (now !== null && now.revision !== revision) {
          if (now.operation === 'PUT' && now.string() === value) return now.revision;
          throw new CrossmarginError('CONFLICT', `partition ${partition}: its progress was recorded by another owner (revision ${now.revision}, not ${revision}): this worker no longer owns it`, { field: 'partition', details: { partition } });
        }
        if (Date.now() >= deadline) throw new CrossmarginError('INTERNAL', `NATS JetStream: writing partition ${partition}'s progress failed for ${this.retryMs} ms: ${(error as Error).message}`, { field: 'nats', cause: error });
        await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * 2 ** attempt)));
      }
    }
  }

  /**
   * Calls `onProgress(partition, seq)` with every partition's current progress and then on every change, until the
   * returned stop is called (a gateway waits on this instead of polling the bucket for each write).
   */
  async watchProgress(onProgress: (partition: number, progress: Progress) => void): Promise<() => void> {
    const watch = await this.retried('watching progress', () => this.progress.watch({ key: 'p.*' }));
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === 'PUT') onProgress(Number(entry.key.slice(2)), parseProgress(entry.string()));
      }
    })();
    return () => watch.stop();
  }

  /** Records the outcome of input `msgId` as decided by the owner of `epoch` (only refusals are recorded). */
  async putOutcome(msgId: string, epoch: number, outcome: unknown): Promise<void> {
    await this.retried(`writing the outcome of ${msgId}`, () => this.outcomes.put(`${inputKey(msgId)}.${epoch}`, JSON.stringify(outcome)));
  }

  /** The outcome the owner of `epoch` recorded for input `msgId` (decidingEpoch: the one that decided it), if any. */
  async outcome<T>(msgId: string, epoch: number): Promise<T | undefined> {
    const entry = await this.retried(`reading the outcome of ${msgId}`, () => this.outcomes.get(`${inputKey(msgId)}.${epoch}`));
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<T>();
  }

  /**
   * Writes a partition's snapshot (issue 17 §3), replacing the previous one: its JSON in chunks of SNAPSHOT_CHUNK
   * bytes (`s.<partition>.<id>.<n>`; a message may hold at most a megabyte), then the entry naming them
   * (`s.<partition>`), then the previous snapshot's chunks are deleted. A reader follows the entry, so it never sees
   * a snapshot half written; `id` (the snapshot's log position) keeps two snapshots' chunks apart. Through plain
   * key-value reads, not the object store, whose reads go through a consumer (see keysOf).
   */
  async putSnapshot(partition: number, id: number, snapshot: object): Promise<void> {
    const bytes = Buffer.from(JSON.stringify(snapshot), 'utf8');
    const chunks = await this.writeChunks(`s.${partition}.${id}`, bytes);
    const previous = await this.snapshotEntry(`s.${partition}`);
    await this.retried(`writing snapshot ${partition}.${id}`, () => this.snapshots.put(`s.${partition}`, JSON.stringify({ id, chunks, bytes: bytes.length })));
    if (previous !== undefined && previous.value.id !== id) await this.deleteChunks(`s.${partition}.${previous.value.id}`, previous.value.chunks);
  }

  /** A partition's latest snapshot (putSnapshot), or undefined when it has none. */
  async snapshot<T>(partition: number): Promise<T | undefined> {
    const entry = await this.snapshotEntry(`s.${partition}`);
    if (entry === undefined) return undefined;
    const { id, chunks, bytes } = entry.value;
    const data = await this.readChunks(`s.${partition}.${id}`, chunks, bytes);
    if (data === undefined) throw new CrossmarginError('INTERNAL', `snapshot ${partition}.${id}: a chunk of ${chunks} is missing`, { field: 'snapshot' });
    return JSON.parse(data.toString('utf8')) as T;
  }

  /**
   * Offers the market side of the engines' state after market message `seq` (the merged market, the spike guard, the
   * update times; issue 17 §3 "spike holds travel"): written only when newer than the one stored, by compare-and-set
   * on the entry, so of several workers writing the same sequence one wins and an older one never replaces a newer.
   * Chunked as putSnapshot, under a tag of its own per writer. Returns whether it was written. Every worker derives
   * the same state from the same messages, so which one writes does not matter.
   */
  async putMarketState(seq: number, state: object): Promise<boolean> {
    const current = await this.snapshotEntry('s.market');
    if (current !== undefined && current.value.id >= seq) return false;
    const bytes = Buffer.from(JSON.stringify(state), 'utf8');
    const tag = `${seq}-${randomBytes(6).toString('hex')}`;
    const chunks = await this.writeChunks(`s.market.${tag}`, bytes);
    const value = JSON.stringify({ id: seq, tag, chunks, bytes: bytes.length });
    try {
      // Not retried: a refusal is most likely another writer's newer entry, and the next offer comes soon.
      if (current === undefined) await this.snapshots.create('s.market', value);
      else await this.snapshots.update('s.market', value, current.revision);
    } catch {
      await this.deleteChunks(`s.market.${tag}`, chunks).catch(() => undefined);
      return false;
    }
    if (current?.value.tag !== undefined) await this.deleteChunks(`s.market.${current.value.tag}`, current.value.chunks).catch(() => undefined);
    return true;
  }

  /**
   * The latest market state (putMarketState) with its market sequence, or undefined when none was written. A newer
   * writer may delete the chunks between the entry's read and theirs: the entry is read again then.
   */
  async marketState<T>(): Promise<{ seq: number; state: T } | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const entry = await this.snapshotEntry('s.market');
      if (entry === undefined) return undefined;
      const { id, tag, chunks, bytes } = entry.value;
      const data = await this.readChunks(`s.market.${tag ?? id}`, chunks, bytes);
      if (data !== undefined) return { seq: id, state: JSON.parse(data.toString('utf8')) as T };
    }
    throw new CrossmarginError('INTERNAL', 'the market state changed under every one of 5 reads', { field: 'snapshot' });
  }

  /** The entry naming a chunked value (`s.<partition>`, `s.market`), with its revision. */
  private async snapshotEntry(key: string): Promise<{ revision: number; value: { id: number; tag?: string; chunks: number; bytes: number } } | undefined> {
    const entry = await this.retried(`reading snapshot entry ${key}`, () => this.snapshots.get(key));
    return entry === null || entry.operation !== 'PUT' ? undefined : { revision: entry.revision, value: entry.json() };
  }

  /** Writes `bytes` as chunks `<prefix>.<n>` of SNAPSHOT_CHUNK bytes, 8 at a time; returns how many. */
  private async writeChunks(prefix: string, bytes: Buffer): Promise<number> {
    const chunks = Math.max(1, Math.ceil(bytes.length / SNAPSHOT_CHUNK));
    for (let n = 0; n < chunks; n += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, chunks - n) }, (_, k) =>
          this.retried(`writing ${prefix}.${n + k}`, () => this.snapshots.put(`${prefix}.${n + k}`, bytes.subarray((n + k) * SNAPSHOT_CHUNK, (n + k + 1) * SNAPSHOT_CHUNK))),
        ),
      );
    }
    return chunks;
  }

  /** The chunks `<prefix>.<n>` joined; undefined when one is missing. A wrong total length is an error. */
  private async readChunks(prefix: string, chunks: number, bytes: number): Promise<Buffer | undefined> {
    const parts: Uint8Array[] = [];
    for (let n = 0; n < chunks; n++) {
      const chunk = await this.retried(`reading ${prefix}.${n}`, () => this.snapshots.get(`${prefix}.${n}`));
      if (chunk === null || chunk.operation !== 'PUT') return undefined;
      parts.push(chunk.value);
    }
    const data = Buffer.concat(parts);
    if (data.length !== bytes) throw new CrossmarginError('INTERNAL', `${prefix}: ${data.length} bytes, ${bytes} expected`, { field: 'snapshot' });
    return data;
  }

  private async deleteChunks(prefix: string, chunks: number): Promise<void> {
    for (let n = 0; n < chunks; n++) await this.retried(`deleting ${prefix}.${n}`, () => this.snapshots.delete(`${prefix}.${n}`));
  }

  /** The page of its partition `accountId`'s margin is published in (marginPageOf). */
  marginPageOf(accountId: string): number {
    return marginPageOf(accountId, this.topology.partitions);
  }

  /**
   * Publishes one page of a partition's margins whole (key `m.<partition>.<page>`, value {v, margins: account id →
   * margin}): its owner rebuilds the page from its engine (a market tick, a takeover), so no read is needed and a page
   * never mixes two owners' writes. `version` says what the figures include (MarginVersion).
   */
  async putMarginPage(partition: number, page: number, version: MarginVersion, margins: Readonly<Record<string, unknown>>): Promise<void> {
    await this.retried(`writing margins page ${partition}.${page}`, () => this.margins.put(`m.${partition}.${page}`, JSON.stringify({ v: version, margins })));
  }

  /**
   * Publishes one account's margin after an input changed it (key `a.<partition>.<id>`, value {v, margin}): a batch
   * of inputs writes the accounts it touched, not their pages (issue 17: rewriting whole pages for a few accounts was
   * what kept a million-account load from finishing). A reader takes the newer of the account's entry and its page.
   */
  async putAccountMargin(partition: number, accountId: string, version: MarginVersion, margin: unknown): Promise<void> {
    await this.retried(`writing the margin of ${accountId}`, () => this.margins.put(accountKey(partition, accountId), JSON.stringify({ v: version, margin })));
  }

  /** The current margin of an account as its partition's owner published it: the newer of its entry and its page's. */
  async margin<T>(accountId: string): Promise<T | undefined> {
    const partition = this.partitionOf(accountId);
    const [page, own] = await Promise.all([this.marginPage<T>(partition, this.marginPageOf(accountId)), this.accountMargin<T>(partition, accountId)]);
    const paged = Object.hasOwn(page.margins, accountId) ? { v: page.v, margin: page.margins[accountId]! } : undefined;
    return newer(paged, own)?.margin;
  }

  /** One page of a partition's published margins, with its version (empty at version [0, 0] when none was published). */
  async marginPage<T>(partition: number, page: number): Promise<{ v: MarginVersion; margins: Record<string, T> }> {
    const entry = await this.retried(`reading margins page ${partition}.${page}`, () => this.margins.get(`m.${partition}.${page}`));
    return entry === null || entry.operation !== 'PUT' ? { v: [0, 0], margins: {} } : entry.json<{ v: MarginVersion; margins: Record<string, T> }>();
  }

  /** An account's own margin entry (putAccountMargin), if any. */
  async accountMargin<T>(partition: number, accountId: string): Promise<VersionedMargin<T> | undefined> {
    const entry = await this.retried(`reading the margin of ${accountId}`, () => this.margins.get(accountKey(partition, accountId)));
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<VersionedMargin<T>>();
  }

  /**
   * Every margin of a partition as published, each the newer of its page's and its own entry, read at most 256 at a
   * time: of the accounts `accountIds` when given (a new owner's floors, PartitionWorker.holdPreviousFloors: it knows
   * its accounts from the snapshot and the log, and reads their pages and entries by key), else of every account the
   * bucket lists (an overview: listing a partition's keys scans the subjects of the whole bucket, and at 1,000,000
   * accounts timed out a takeover).
   */
  async partitionMargins<T>(partition: number, accountIds?: readonly string[]): Promise<Map<string, T>> {
    const merged = new Map<string, VersionedMargin<T>>();
    const wanted = accountIds === undefined ? undefined : new Set(accountIds);
    const pages =
      accountIds === undefined
        ? (await this.retried(`listing margins of partition ${partition}`, () => this.keysOf(BUCKETS.margins, `m.${partition}.*`))).map((key) => Number(key.split('.')[2]))
        : [...new Set(accountIds.map((id) => this.marginPageOf(id)))];
    for (let i = 0; i < pages.length; i += 256) {
      for (const page of await Promise.all(pages.slice(i, i + 256).map((n) => this.marginPage<T>(partition, n)))) {
        for (const [accountId, margin] of Object.entries(page.margins)) if (wanted === undefined || wanted.has(accountId)) merged.set(accountId, { v: page.v, margin });
      }
    }
    const own =
      accountIds ??
      (await this.retried(`listing margins of partition ${partition}`, () => this.keysOf(BUCKETS.margins, `a.${partition}.*`))).map((key) => Buffer.from(key.split('.')[2] ?? '', 'base64url').toString('utf8'));
    for (let i = 0; i < own.length; i += 256) {
      await Promise.all(
        own.slice(i, i + 256).map(async (accountId) => {
          const kept = newer(merged.get(accountId), await this.accountMargin<T>(partition, accountId));
          if (kept !== undefined) merged.set(accountId, kept);
        }),
      );
    }
    return new Map([...merged].map(([accountId, m]) => [accountId, m.margin]));
  }

  /**
   * The current margins of up to `limit` accounts with their ids, partition by partition: for overviews of a
   * demo-sized book (a venue's millions of accounts are read by id).
   */
  async listMargins<T>(limit: number): Promise<{ accountId: string; margin: T }[]> {
    const out: { accountId: string; margin: T }[] = [];
    for (let partition = 0; partition < this.topology.partitions && out.length < limit; partition++) {
      for (const [accountId, margin] of await this.partitionMargins<T>(partition)) {
        if (out.length >= limit) break;
        out.push({ accountId, margin });
      }
    }
    return out;
  }

  /**
   * Answers requests sent to worker `owner` (`cm.rq.<owner>`, core NATS request–reply: nothing stored) with what
   * `answer` returns for each request's JSON body, as JSON; a request is answered once, by whichever of the worker's
   * subscriptions takes it. Returns a stop. The gateway's engine routes (what-if, maximum order: docs/scale-out.md)
   * are asked of a partition's owner this way.
   */
  answerRequests(owner: string, answer: (body: unknown) => unknown): () => void {
    const subscription = this.nc.subscribe(`cm.rq.${requestToken(owner)}`, {
      callback: (error, message) => {
        if (error !== null) return;
        let reply: unknown;
        try {
          reply = answer(message.json());
        } catch (e) {
          reply = { ok: false, code: 'INTERNAL', message: (e as Error).message };
        }
        message.respond(JSON.stringify(reply));
      },
    });
    return () => subscription.unsubscribe();
  }

  /**
   * Sends `body` to worker `owner` (answerRequests) and returns its answer; no answer within `timeoutMs` (the worker
   * is gone, or too busy): UNAVAILABLE naming `field`, never a guess.
   */
  async request<T>(owner: string, body: unknown, timeoutMs: number, field: string): Promise<T> {
    try {
      return (await this.nc.request(`cm.rq.${requestToken(owner)}`, JSON.stringify(body), { timeout: timeoutMs })).json<T>();
    } catch (error) {
      throw new CrossmarginError('UNAVAILABLE', `the owner of this account (worker ${owner}) did not answer within ${timeoutMs} ms: ${(error as Error).message}; retry`, { field, cause: error });
    }
  }

  /**
   * Calls `onEvent(partition, event)` for every event published from now on ('market' for the market's), until the
   * returned stop is called: a plain subscription to the event subjects, which JetStream's publishes also reach (the
   * live feed of a gateway's WebSocket; the stream keeps them for reads from a position).
   */
  subscribeEvents(onEvent: (partition: number | 'market', event: unknown) => void): () => void {
    const subscription = this.nc.subscribe('cm.ev.*', {
      callback: (error, message) => {
        if (error !== null) return;
        const tail = message.subject.slice('cm.ev.'.length);
        try {
          onEvent(tail === 'market' ? 'market' : Number(tail), message.json());
        } catch {
          // A message that is not JSON is not an event of this cluster's: skipped.
        }
      },
    });
    return () => subscription.unsubscribe();
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }

  /** The manager (stream information in tests and the cluster tools). */
  get manager(): JetStreamManager {
    return this.jsm;
  }
}

/**
 * The partition count is fixed for the life of a cluster: the first process to open the bus records it (key
 * `topology` of the leases bucket, created atomically); a process started with another count is refused, since it
 * would route accounts to the wrong partitions.
 */
async function agreeOnPartitions(leases: KV, partitions: number): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const entry = await leases.get('topology');
    if (entry !== null && entry.operation === 'PUT') {
      const recorded = entry.json<{ partitions: number }>().partitions;
      if (recorded !== partitions) {
        throw new CrossmarginError('USAGE_INVALID', `partitions: this cluster has ${recorded} partitions, not ${partitions} (the count is fixed for the life of a cluster)`, { field: 'partitions' });
      }
      return;
    }
    try {
      await leases.create('topology', JSON.stringify({ partitions }));
      return;
    } catch {
      // Another process recorded it first: read it again.
    }
  }
  throw new CrossmarginError('INTERNAL', 'NATS JetStream: cannot record the cluster\'s partition count', { field: 'nats' });
}

/** Adds a stream, or updates it to `config` when it exists already (so every process may open the bus). */
async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string }): Promise<void> {
  let exists = true;
  try {
    await jsm.streams.info(config.name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    exists = false;
  }
  // A cluster just started (or under load) may not have its JetStream peers yet: "no suitable peers for placement"
  // (10005) is retried for up to 20 s, anything else refused at once.
  for (let attempt = 0; ; attempt++) {
    try {
      if (exists) await jsm.streams.update(config.name, config);
      else await jsm.streams.add(config);
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === NO_PEERS) || attempt >= 40) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** JetStream's "no suitable peers for placement" (a cluster whose peers are not all up yet). */
const NO_PEERS = 10005;
