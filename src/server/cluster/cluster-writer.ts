import { decidingEpoch, type JetStreamBus, type Progress, type PublishedInput } from '../../bus/jetstream-bus.js';
import { ClusterInputSchema, type ClusterInput, type InputOutcome } from '../../bus/cluster-input.js';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';

/** A write the cluster has applied: where it is in its partition's log, and its outcome. */
export type AppliedWrite = PublishedInput & InputOutcome;

/** How often a waiting write reads its partition's progress besides the watch, ms (appliedBy). */
const POLL_MS = 250;

/**
 * The gateway's write path (issue 17 §2): an input is published to its account's partition log and acknowledged to
 * the caller only once the partition's owner has applied it durably (its recorded progress reaches the input's log
 * position, which it records after the margins and the outcome). A repeat of an idempotency key is not applied again:
 * it answers the first one's outcome. A write not applied within `timeoutMs` is refused (UNAVAILABLE, 503): it may
 * still be applied later, so the caller retries with the same key, which is safe.
 */
export class ClusterWriter {
  /** Each partition's progress (applied log position, owners), as the progress bucket's watch or a read last told. */
  private readonly applied = new Map<number, Progress>();
  /** Writes waiting for their partition's progress: resolved when it reaches their position. */
  private readonly waiting = new Set<{ partition: number; seq: number; done: () => void }>();
  private watching: Promise<() => void> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly bus: JetStreamBus,
    private readonly timeoutMs = 10_000,
  ) {}

  async write(input: ClusterInput, idempotencyKey: string): Promise<AppliedWrite> {
    const checked = parseWithSchema(ClusterInputSchema, input, 'input');
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 200) {
      throw new CrossmarginError('SCHEMA_INVALID', 'idempotencyKey: expected 1 to 200 characters', { field: 'idempotencyKey' });
    }
    this.watching ??= this.bus.watchProgress((partition, progress) => this.progressed(partition, progress));
    await this.watching;
    const published = await this.bus.publishInput(checked.accountId, idempotencyKey, checked);
    if (!(await this.appliedBy(published.partition, published.seq))) {
      throw new CrossmarginError('UNAVAILABLE', `partition ${published.partition} did not apply input ${idempotencyKey} within ${this.timeoutMs} ms: retry with the same idempotency key`, {
        field: 'idempotencyKey',
        details: { partition: published.partition, seq: published.seq },
      });
    }
    // Owners record refusals only, before the progress: none recorded by the owner that decided the input means
    // applied. That owner is the one the progress names for its position (a progress that covers it names it for
    // good): a refusal written late by an owner paused past its lease, whose successor decided the input again, is
    // under another epoch and not read.
    const epoch = decidingEpoch(this.applied.get(published.partition)!, published.seq);
    const outcome: InputOutcome = (await this.bus.outcome<InputOutcome>(idempotencyKey, epoch)) ?? { ok: true };
    return { ...published, ...outcome };
  }

  /** Stops watching the progress bucket. */
  async close(): Promise<void> {
    clearInterval(this.poll);
    this.poll = undefined;
    (await this.watching)?.();
    this.watching = undefined;
  }

  /**
   * True once `partition`'s progress reaches `seq`, false after the timeout. The progress bucket's watch tells at
   * once; while writes wait, their partitions' progress is also read every POLL_MS (one read per partition, whatever
   * the writes in flight), because the watch is an ordered consumer, and after a NATS node is lost it can stay silent
   * for minutes (nats-server 2.9: see JetStreamBus.logReader). The read goes to the bucket's stream leader.
   */
  private appliedBy(partition: number, seq: number): Promise<boolean> {
    if ((this.applied.get(partition)?.seq ?? 0) >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (applied: boolean): void => {
        clearTimeout(timer);
        this.waiting.delete(waiter);
        if (this.waiting.size === 0) {
          clearInterval(this.poll);
          this.poll = undefined;
        }
        resolve(applied);
      };
      const waiter = { partition, seq, done: () => finish(true) };
      const timer = setTimeout(() => finish(false), this.timeoutMs);
      this.waiting.add(waiter);
      this.poll ??= setInterval(() => void this.readProgress(), POLL_MS);
    });
  }

  /** One read of each waited-for partition's progress (appliedBy), skipped while the previous is still going. */
  private async readProgress(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const partitions = new Set([...this.waiting].map((w) => w.partition));
      await Promise.all([...partitions].map(async (p) => this.progressed(p, await this.bus.progressOf(p))));
    } catch {
      // The next tick reads again; the watch may tell first.
    } finally {
      this.reading = false;
    }
  }

  private progressed(partition: number, progress: Progress): void {
    // Progress only counts upwards here: a new owner replaying a partition rewrites lower positions first.
    if (progress.seq <= (this.applied.get(partition)?.seq ?? 0)) return;
    this.applied.set(partition, { seq: progress.seq, owners: progress.owners });
    for (const waiter of [...this.waiting]) if (waiter.partition === partition && waiter.seq <= progress.seq) waiter.done();
  }
}
