/**
 * Deterministic plan ids (pure, no node:crypto in the engine): FNV-1a 64-bit over the canonical JSON of what the plan
 * was made from. Not a cryptographic hash: it names a plan, it does not protect anything.
 */

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a 64 of the text's UTF-8 bytes, as 16 lower-case hex digits. */
export function fnv1a64(text: string): string {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * FNV_PRIME) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}

/** JSON with object keys sorted at every level, so equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Id of the plan of `accountId` on the market of `asOf` for this book: `liq-` + 16 hex digits. The same account, market,
 * model, positions and balances give the same id (a restart that plans again finds the stored plan), anything else a
 * new one. Positions are sorted by instrument so their order does not matter.
 */
export function liquidationPlanId(input: {
  readonly accountId: string;
  readonly asOf: string;
  readonly model: string;
  readonly positions: readonly { readonly instrument: unknown; readonly quantity: number; readonly entryPrice?: number | undefined }[];
  readonly collateral: Readonly<Record<string, number>>;
}): string {
  const positions = input.positions
    .map((p) => ({ instrument: canonicalJson(p.instrument), quantity: p.quantity, entryPrice: p.entryPrice }))
    .sort((a, b) => (a.instrument < b.instrument ? -1 : a.instrument > b.instrument ? 1 : a.quantity - b.quantity));
  const collateral = Object.fromEntries(Object.entries(input.collateral).filter(([, amount]) => amount !== 0));
  return `liq-${fnv1a64(canonicalJson({ account: input.accountId, asOf: input.asOf, model: input.model, positions, collateral }))}`;
}
