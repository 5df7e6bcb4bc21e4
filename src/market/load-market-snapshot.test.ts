import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { loadMarketSnapshot, loadMarketSnapshotAsync } from './load-market-snapshot.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

describe('loadMarketSnapshot', () => {
  it('loads the DESIGN.md example snapshot', () => {
    const snap = loadMarketSnapshot(fixture('market-snapshot-design.json'));
    expect(snap.source).toBe(fixture('market-snapshot-design.json'));
    expect(snap.names()).toEqual(['BTC', 'SPX']);
    expect(snap.underlying('BTC').forward(Date.parse('2024-06-28T08:00:00Z'))).toBe(66150);
    expect(snap.underlying('SPX').vol(Date.parse('2024-12-20T08:00:00Z'), 5000)).toBe(0.14);
    expect(snap.fxRate('USDT', 'USD')).toBe(1);
  });

  it('loads asynchronously too', async () => {
    const snap = await loadMarketSnapshotAsync(fixture('market-snapshot-design.json'));
    expect(snap.underlying('BTC').index).toBe(66000);
  });

  it('reports FILE_NOT_FOUND, JSON_MALFORMED and SCHEMA_INVALID with the path', async () => {
    const missing = errorOf(() => loadMarketSnapshot(fixture('market-snapshot-nope.json')));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.field).toBe(fixture('market-snapshot-nope.json'));

    const malformed = errorOf(() => loadMarketSnapshot(fixture('market-snapshot-malformed.json')));
    expect(malformed.code).toBe('JSON_MALFORMED');
    expect(malformed.message).toContain(fixture('market-snapshot-malformed.json'));
    expect(malformed.field).toBe(fixture('market-snapshot-malformed.json'));

    const badVol = errorOf(() => loadMarketSnapshot(fixture('market-snapshot-bad-vol.json')));
    expect(badVol.code).toBe('SCHEMA_INVALID');
    expect(badVol.field).toBe('underlyings.BTC.vol.smiles.0.vols.2');
    expect(badVol.message).toBe(`${fixture('market-snapshot-bad-vol.json')}: underlyings.BTC.vol.smiles.0.vols.2: Too small: expected number to be >0`);

    await expect(loadMarketSnapshotAsync(fixture('market-snapshot-nope.json'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
