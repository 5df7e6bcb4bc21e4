/**
 * API key checks (issue 13, docs/service.md "API keys"): what one `Store.verifyApiKey` costs on an in-memory SQLite
 * store for the right secret, a wrong secret of a known key id and an unknown id. With HMAC-SHA256 digests all three
 * cost microseconds and alike (the old scrypt scheme cost ~50 ms for a known id and ~1 ms for an unknown one).
 */
import { openStore } from '../src/store/open-store.js';
import type { BenchResult } from './bench-result.js';

const CHECKS = 2_000;

async function microsPerCheck(check: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await check(); // warm-up
  const start = performance.now();
  for (let i = 0; i < CHECKS; i++) await check();
  return ((performance.now() - start) * 1000) / CHECKS;
}

export async function benchApiKeyVerify(): Promise<BenchResult> {
  const store = await openStore(':memory:');
  try {
    const { plaintext } = await store.createApiKey({ role: 'admin' });
    // The same key id (`cmk_<16 hex>_`) with another well-formed 43-character secret.
    const wrong = `${plaintext.slice(0, 21)}${(plaintext.endsWith('A') ? 'B' : 'A').repeat(43)}`;
    const unknown = `cmk_0123456789abcdef_${'A'.repeat(43)}`;
    const right = await microsPerCheck(() => store.verifyApiKey(plaintext));
    const wrongKnown = await microsPerCheck(() => store.verifyApiKey(wrong));
    const unknownId = await microsPerCheck(() => store.verifyApiKey(unknown));
    return {
      name: 'api-key-verify',
      workload: `Store.verifyApiKey on an in-memory SQLite store, ${CHECKS.toLocaleString('en-US')} checks each of: the right secret, a wrong secret of a known key id, an unknown key id (after 200 warm-up checks); opsPerSecond counts wrong-secret checks`,
      opsPerSecond: 1e6 / wrongKnown,
      meanMs: wrongKnown / 1000,
      extra: { rightSecretMicros: right, wrongSecretKnownIdMicros: wrongKnown, unknownIdMicros: unknownId, wrongOverUnknown: wrongKnown / unknownId },
    };
  } finally {
    await store.close();
  }
}
