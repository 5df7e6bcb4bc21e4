import type { KV } from '@nats-io/kv';
import type { ListedBucket } from './jetstream-bus.js';

/** A lease as the bucket holds it: who owns the partition until when (epoch ms, the owner's clock). */
export interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

/** A lease this worker holds: the bucket revision it was written at (the next renewal must name it). */
export interface HeldLease extends Lease {
  readonly partition: number;
  readonly revision: number;
}

/**
 * Ownership of partitions by leases in a key-value bucket (issue 17 §3): key `p.<partition>`, value the owner and
 * its expiry; key `w.<owner>` a worker's heartbeat. Every change is a compare-and-set on the key's revision (create when absent, update naming the revision
 * read), so of two workers racing for a partition exactly one wins, and a worker whose lease was taken over cannot
 * renew it any more: its next renewal fails and it must stop applying that partition's inputs.
 *
 * Expiry is judged on the reader's clock against the holder's `expiresAt`: the lease time must exceed the clock skew
 * between workers plus a heartbeat (docs/scale-out.md: lease 10 s, heartbeat 2 s by default).
 */
export class PartitionLeases {
  private readonly kv: KV;

  constructor(
    private readonly bucket: ListedBucket,
    readonly owner: string,
    private readonly leaseMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.kv = bucket.kv;
  }

  /** Takes `partition` when it is free or its lease has expired (or renews it when this worker holds it). */
  async acquire(partition: number): Promise<HeldLease | undefined> {
    const key = `p.${partition}`;
    const entry = await this.kv.get(key);
    const lease: Lease = { owner: this.owner, expiresAt: this.now() + this.leaseMs };
    try {
      if (entry === null || entry.operation !== 'PUT') {
        const revision = entry === null ? await this.kv.create(key, JSON.stringify(lease)) : await this.kv.update(key, JSON.stringify(lease), entry.revision);
        return { ...lease, partition, revision };
      }
      const current = entry.json<Lease>();
      if (current.owner !== this.owner && current.expiresAt > this.now()) return undefined;
      return { ...lease, partition, revision: await this.kv.update(key, JSON.stringify(lease), entry.revision) };
    } catch {
      // Another worker wrote the key between the read and this write: it won.
      return undefined;
    }
  }

  /** Extends a held lease; undefined when it was taken over meanwhile (the holder must stop). */
  async renew(held: HeldLease): Promise<HeldLease | undefined> {
    const lease: Lease = { owner: this.owner, expiresAt: this.now() + this.leaseMs };
    try {
      return { ...lease, partition: held.partition, revision: await this.kv.update(`p.${held.partition}`, JSON.stringify(lease), held.revision) };
    } catch {
      return undefined;
    }
  }

  /** Gives a held lease up at once (a clean shutdown), so another worker need not wait for it to expire. */
  async release(held: HeldLease): Promise<boolean> {
    try {
      await this.kv.update(`p.${held.partition}`, JSON.stringify({ owner: '', expiresAt: 0 } satisfies Lease), held.revision);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Announces this worker as live until now + lease time (key `w.<owner>`), so that every worker computes the same
   * fair share of partitions before taking any.
   */
  async heartbeat(): Promise<void> {
    await this.kv.put(`w.${this.owner}`, JSON.stringify({ owner: this.owner, expiresAt: this.now() + this.leaseMs } satisfies Lease));
  }

  /**
   * Workers whose heartbeat has not expired, this one included once it has sent one, each once (a key listing by a
   * consumer repeats a key written while it runs: seen as a fair share of 3 with two workers, and partitions
   * flapping between them, each flap a replay of the partition's log).
   */
  async liveOwners(): Promise<string[]> {
    const live = new Set<string>();
    for (const key of await this.bucket.keys('w.*')) {
      const entry = await this.kv.get(key);
      if (entry === null || entry.operation !== 'PUT') continue;
      const lease = entry.json<Lease>();
      if (lease.expiresAt > this.now()) live.add(lease.owner);
    }
    return [...live].sort();
  }

  /** The lease of `partition` as stored, or undefined. */
  async read(partition: number): Promise<Lease | undefined> {
    const entry = await this.kv.get(`p.${partition}`);
    return entry === null || entry.operation !== 'PUT' ? undefined : entry.json<Lease>();
  }
}
