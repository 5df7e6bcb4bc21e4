import type { JetStreamBus, PublishedInput } from '../../bus/jetstream-bus.js';
import { ClusterInputSchema, type ClusterInput, type InputOutcome } from '../../bus/cluster-input.js';
import { CrossmarginError } from '../../core/errors.js';
import { parseWithSchema } from '../../core/validate.js';

/** A write the cluster has applied: where it is in its partition's log, and its outcome. */
export type AppliedWrite = PublishedInput & InputOutcome;

/**
 * The gateway's write path (issue 17 §2): an input is published to its account's partition log and acknowledged to
 * the caller only once the partition's owner has applied it durably (its recorded progress reaches the input's log
 * position, which it records after the margins and the outcome). A repeat of an idempotency key is not applied again:
 * it answers the first one's outcome. A write not applied within `timeoutMs` is refused (UNAVAILABLE, 503): it may
 * still be applied later, so the caller retries with the same key, which is safe.
 */
export class ClusterWriter {
  constructor(
    private readonly bus: JetStreamBus,
    private readonly timeoutMs = 10_000,
    private readonly pollMs = 10,
  ) {}

  async write(input: ClusterInput, idempotencyKey: string): Promise<AppliedWrite> {
    const checked = parseWithSchema(ClusterInputSchema, input, 'input');
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '' || idempotencyKey.length > 200) {
      throw new CrossmarginError('SCHEMA_INVALID', 'idempotencyKey: expected 1 to 200 characters', { field: 'idempotencyKey' });
    }
    const published = await this.bus.publishInput(checked.accountId, idempotencyKey, checked);
    const deadline = Date.now() + this.timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.bus.appliedSeq(published.partition)) >= published.seq) {
        const outcome = await this.bus.outcome<InputOutcome>(idempotencyKey);
        if (outcome !== undefined) return { ...published, ...outcome };
      }
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    throw new CrossmarginError('UNAVAILABLE', `partition ${published.partition} did not apply input ${idempotencyKey} within ${this.timeoutMs} ms: retry with the same idempotency key`, {
      field: 'idempotencyKey',
      details: { partition: published.partition, seq: published.seq },
    });
  }
}
