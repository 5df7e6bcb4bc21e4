import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { parseMarketSnapshot } from './market-snapshot.js';
import { snapshotFromOptionChain } from './option-chain-snapshot.js';

function errorOf(fn: () => unknown): CrossmarginError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrossmarginError) return error;
    throw error;
  }
  throw new Error('expected a CrossmarginError, nothing was thrown');
}

const dataFile = (name: string): string => readFileSync(fileURLToPath(new URL(`../../data/${name}`, import.meta.url)), 'utf8');
const btcCsv = dataFile('deribit_btc_options_2020-05-21.csv');

const HEADER = 'instrument,underlying,expiry,strike,type,mark_iv,underlying_price,mark_price,open_interest';
const csv = (...rows: string[]): string => [HEADER, ...rows].join('\n') + '\n';
const opts = { asOf: '2020-05-21T23:21:00Z', underlying: 'BTC', source: 'chain.csv' };

describe('snapshotFromOptionChain on the bundled Deribit BTC chain', () => {
  const file = snapshotFromOptionChain(btcCsv, { asOf: '2020-05-21T23:21:00Z', underlying: 'BTC' });
  const btc = file.underlyings.BTC;

  it('has the 7 expiries, each with its median forward', () => {
    expect(Object.keys(btc?.forwards ?? {})).toEqual(['2020-05-22', '2020-05-23', '2020-05-29', '2020-06-05', '2020-06-26', '2020-09-25', '2020-12-25']);
    expect(btc?.vol?.smiles?.map((s) => s.expiry)).toEqual(Object.keys(btc?.forwards ?? {}));
    expect(btc?.forwards?.['2020-05-22']).toBe(9085.44);
    // 38 rows: the middle two underlying prices are 9261.95 and 9262.08.
    expect(btc?.forwards?.['2020-12-25']).toBeCloseTo(9262.015, 9);
    expect(btc?.forwards?.['2020-06-26']).toBeCloseTo(9094.465, 9);
  });

  it('defaults the index to the nearest forward and the rate to 0', () => {
    expect(btc?.index).toBe(9085.44);
    expect(btc?.rate).toBe(0);
  });

  it('takes the OTM side: put below the forward, call at or above it, in decimal', () => {
    const jun = btc?.vol?.smiles?.find((s) => s.expiry === '2020-06-26');
    const volAt = (k: number): number | undefined => jun?.vols[jun.strikes.indexOf(k)];
    expect(volAt(9000)).toBe(0.8427); // BTC-26JUN20-9000-P mark_iv 84.27 (the call says 84.25)
    expect(volAt(10000)).toBe(0.8164); // BTC-26JUN20-10000-C mark_iv 81.64 (the put says 81.61)
    expect(jun?.strikes.length).toBe(29);
    expect(jun?.strikes[0]).toBe(2500);
  });

  it('passes parseMarketSnapshot and prices vols through the surface', () => {
    const snap = parseMarketSnapshot(file);
    const u = snap.underlying('BTC');
    expect(u.vol(Date.parse('2020-06-26T08:00:00Z'), 10000)).toBe(0.8164);
    expect(u.forward(Date.parse('2020-09-25T08:00:00Z'))).toBe(btc?.forwards?.['2020-09-25']);
    expect(snap.fxRate('BTC', 'USD')).toBe(9085.44);
  });

  it('drops expiries at or before asOf', () => {
    const later = snapshotFromOptionChain(btcCsv, { asOf: '2020-05-22T08:00:00Z', underlying: 'BTC', index: 9100, rate: 0.01 });
    const u = later.underlyings.BTC;
    expect(Object.keys(u?.forwards ?? {})).toHaveLength(6);
    expect(Object.keys(u?.forwards ?? {})[0]).toBe('2020-05-23');
    expect(u?.index).toBe(9100);
    expect(u?.rate).toBe(0.01);
  });

  it('reads the ETH chain as well (11 expiries)', () => {
    const eth = snapshotFromOptionChain(dataFile('deribit_eth_options_2025-11-22.csv'), { asOf: '2025-11-22T02:15:13Z', underlying: 'ETH' });
    expect(Object.keys(eth.underlyings.ETH?.forwards ?? {})).toHaveLength(11);
    expect(() => parseMarketSnapshot(eth)).not.toThrow();
  });
});

describe('snapshotFromOptionChain rules and errors', () => {
  it('falls back to the other side, skips mark_iv <= 0, and takes the median forward', () => {
    const file = snapshotFromOptionChain(
      csv(
        'BTC-22MAY20-8000-C,SYN,2020-05-22,8000,call,70,9000,0.1,1', // ITM call only: used as fallback
        'BTC-22MAY20-10000-C,SYN,2020-05-22,10000,call,0,1,0.1,1', // no quote: skipped, not in the forward
        'BTC-22MAY20-10000-P,SYN,2020-05-22,10000,put,60,9010,0.1,1', // ITM put only: fallback
        'BTC-22MAY20-9000-C,SYN,2020-05-22,9000,call,50,9020,,',
        'BTC-22MAY20-9000-P,SYN,2020-05-22,9000,put,55,9005,,',
      ),
      opts,
    );
    const u = file.underlyings.BTC;
    // forwards 9000, 9010, 9020, 9005 → median (9005 + 9010) / 2
    expect(u?.forwards?.['2020-05-22']).toBe(9007.5);
    // K = 9000 < F: the put's 55 %
    expect(u?.vol?.smiles?.[0]).toEqual({ expiry: '2020-05-22', strikes: [8000, 9000, 10000], vols: [0.7, 0.55, 0.6] });
  });

  it('names a missing header column', () => {
    const e = errorOf(() => snapshotFromOptionChain(csv().replace(',mark_iv', ''), opts));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.field).toBe('chain.csv:1:mark_iv');
  });

  it('names row and column of a bad value', () => {
    const e = errorOf(() => snapshotFromOptionChain(csv('BTC-22MAY20-9000-C,SYN,2020-05-22,9000,call,50,9020,,', 'BTC-22MAY20-X-C,SYN,2020-05-22,abc,call,50,9020,,'), opts));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.field).toBe('chain.csv:3:strike');
    expect(e.message).toContain('row 2');
    expect(e.details).toMatchObject({ row: 2, line: 3, column: 'strike', value: 'abc' });
    expect(errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-05-22,9000,straddle,50,9020,,'), opts)).field).toBe('chain.csv:2:type');
    expect(errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-13-22,9000,call,50,9020,,'), opts)).field).toBe('chain.csv:2:expiry');
    expect(errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-05-22,9000,call,fifty,9020,,'), opts)).field).toBe('chain.csv:2:mark_iv');
    expect(errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-05-22,9000,call,50,-1,,'), opts)).field).toBe('chain.csv:2:underlying_price');
  });

  it('rejects a row with the wrong number of fields', () => {
    const e = errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-05-22,9000,call,50,9020'), opts));
    expect(e.code).toBe('CSV_MALFORMED');
    expect(e.field).toBe('chain.csv:2');
  });

  it('rejects options on another underlying and duplicate quotes', () => {
    expect(errorOf(() => snapshotFromOptionChain(csv('ETH-22MAY20-9000-C,S,2020-05-22,9000,call,50,9020,,'), opts)).field).toBe(
      'chain.csv:2:instrument',
    );
    const dup = errorOf(() =>
      snapshotFromOptionChain(csv('BTC-22MAY20-9000-C,S,2020-05-22,9000,call,50,9020,,', 'BTC-22MAY20-9000-C,S,2020-05-22,9000,call,51,9020,,'), opts),
    );
    expect(dup.field).toBe('chain.csv:3:instrument');
  });

  it('fails with MARKET_DATA_INVALID when nothing usable is left', () => {
    const e = errorOf(() => snapshotFromOptionChain(csv('BTC-1,S,2020-05-21,9000,call,50,9020,,'), opts));
    expect(e.code).toBe('MARKET_DATA_INVALID');
    expect(errorOf(() => snapshotFromOptionChain(csv(), opts)).code).toBe('MARKET_DATA_INVALID');
  });

  it('rejects an asOf without time or zone', () => {
    expect(errorOf(() => snapshotFromOptionChain(csv(), { ...opts, asOf: '2020-05-21' })).field).toBe('asOf');
  });
});
