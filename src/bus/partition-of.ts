import { CrossmarginError } from '../core/errors.js';

/**
 * The partition an account belongs to (issue 17, docs/scale-out.md): FNV-1a (32 bits) of the account id's UTF-8 bytes,
 * modulo the partition count. It is part of the cluster's persisted contract — streams, snapshots and leases are per
 * partition — so it must never change for a given count; it does not depend on the process, platform or version.
 */
export function partitionOf(accountId: string, partitions: number): number {
  return accountHash(accountId) % checkedPartitions(partitions);
}

/** Pages of a partition's margins (marginPageOf). Fixed: part of the cluster's persisted layout, like partitionOf. */
export const MARGIN_PAGES = 64;

/**
 * The page of its partition an account's published margin lives in (docs/scale-out.md "Streams and buckets"): the
 * owner writes a page's accounts in one key-value entry, so a market tick writes at most partitions × MARGIN_PAGES
 * entries, not one per account. From the same hash as the partition, its quotient by the partition count (the
 * remainder chose the partition), so the accounts of a partition spread over its pages.
 */
export function marginPageOf(accountId: string, partitions: number): number {
  return Math.floor(accountHash(accountId) / checkedPartitions(partitions)) % MARGIN_PAGES;
}

/** FNV-1a (32 bits, unsigned) of the account id's UTF-8 bytes. */
function accountHash(accountId: string): number {
  let hash = 0x811c9dc5;
  const bytes = new TextEncoder().encode(accountId);
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function checkedPartitions(partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 65_536) {
    throw new CrossmarginError('USAGE_INVALID', `partitions: expected an integer from 1 to 65,536, got ${partitions}`, { field: 'partitions' });
  }
  return partitions;
}
