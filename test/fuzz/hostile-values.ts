/**
 * Catalogues of hostile inputs the mutator draws from. None of these strings contains what the leak oracle looks
 * for (`node_modules`, `/work/`, `.ts:12`, `SqliteError`, ...), so an echo of fuzz input in an error message is
 * never mistaken for a leak.
 */

/** Text of a JSON number that JSON.stringify cannot write (sent verbatim inside the body text). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of `value`, with RawJson nodes written verbatim and own `__proto__` keys kept. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Numbers the service must survive: huge, tiny, subnormal, negative zero, beyond 2^53, around the schema bounds. */
export const HOSTILE_NUMBERS: readonly (number | RawJson)[] = [
  1e308,
  -1e308,
  Number.MAX_VALUE,
  5e-324,
  -5e-324,
  1e-300,
  new RawJson('-0'),
  0,
  -1,
  -1e-9,
  2 ** 53 + 1,
  -(2 ** 53 + 1),
  2 ** 53,
  1e15,
  1e300,
  1e6,
  1e21,
  0.1 + 0.2,
  123456789.123456789,
  2 ** 31,
  -(2 ** 31) - 1,
  new RawJson('1e309'),
  new RawJson('-1e309'),
  new RawJson('1E400'),
  new RawJson('0.0000000000000000000000000000000000000000000000001e-400'),
  new RawJson('100000000000000000000000000000000000000000000000000000000000000000000'),
];

/** Number-like strings: what a client that stringifies numbers (or sends non-finite values) would send. */
export const NUMBER_STRINGS: readonly string[] = ['NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10', '1,5', ' 1 ', '', '1e', '٣', '１'];

/** Strings for string fields, path parameters and query values. */
export const HOSTILE_STRINGS: readonly string[] = [
  "'; DROP TABLE accounts;--",
  "' OR '1'='1",
  '" OR ""="',
  '1; SELECT sleep(0)',
  'a1\'--',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  '%00',
  'a\u0000b',
  '\u0000',
  '%2e%2e%2f',
  '%',
  '%zz',
  '',
  ' ',
  '\t\n',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '\u202Eevil',
  'zero\u200Bwidth',
  'e\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '🚀🌕',
  'Ωμέγα',
  '中文账户',
  '\uD800',
  '\uFFFF',
  'A'.repeat(129),
  'B'.repeat(201),
  'x'.repeat(5_000),
  'BTC',
  'USDC',
  'a1',
];

/** Very long strings are built on demand (kept out of the table so failure messages stay short). */
export function longString(length: number, unit = 'x'): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/**
 * Instrument names no valid request may trade, relative to a 2024 market with BTC and ETH only: expired, on an
 * underlying the market does not have, lower-case, malformed. `tag` says why each must be refused.
 */
export const HOSTILE_INSTRUMENTS: readonly { readonly name: string; readonly tag: 'expired' | 'unknown-underlying' | 'malformed' | 'noncanonical' }[] = [
  { name: 'BTC-29DEC23-40000-C', tag: 'expired' },
  { name: 'ETH-29DEC23-2000-P', tag: 'expired' },
  { name: 'BTC-29DEC23', tag: 'expired' },
  { name: 'BTC_USDC-29DEC23', tag: 'expired' },
  { name: 'BTC-1JAN20-10000-C', tag: 'expired' },
  { name: 'SOL_USDC-PERPETUAL', tag: 'unknown-underlying' },
  { name: 'DOGE_USDC-PERPETUAL', tag: 'unknown-underlying' },
  { name: 'XRP_USDC-27DEC24-0d625-C', tag: 'unknown-underlying' },
  { name: 'SOL', tag: 'unknown-underlying' },
  // Case and surrounding blanks: the service may canonicalise these (no expectation, only the generic oracles).
  { name: 'btc_usdc-perpetual', tag: 'noncanonical' },
  { name: 'Btc-Perpetual', tag: 'noncanonical' },
  { name: 'BTC-PERPETUAL ', tag: 'noncanonical' },
  { name: ' BTC_USDC-PERPETUAL', tag: 'noncanonical' },
  { name: 'sol_usdc-perpetual', tag: 'unknown-underlying' },
  { name: 'btc-29dec23-40000-c', tag: 'expired' },
  { name: 'BTC-31FEB25', tag: 'malformed' },
  { name: 'BTC-28JUN24--70000-C', tag: 'malformed' },
  { name: 'BTC-28JUN24-0-C', tag: 'malformed' },
  { name: 'BTC-28JUN24-070000-C', tag: 'malformed' },
  { name: 'BTC-28JUN24-1e5-C', tag: 'malformed' },
  { name: 'BTC-28JUN24-70000-X', tag: 'malformed' },
  { name: 'BTC_EUR-PERPETUAL', tag: 'malformed' },
  { name: 'BTC_USDC_USDT-PERPETUAL', tag: 'malformed' },
  { name: 'NOT-AN-INSTRUMENT-X', tag: 'malformed' },
  { name: 'BTC-PER PETUAL', tag: 'malformed' },
  { name: "BTC'; DROP TABLE positions;--", tag: 'malformed' },
  { name: '../../etc/passwd', tag: 'malformed' },
];

/**
 * Currency codes the fuzz fixture's market does not price (collateral in them cannot be valued), and case variants
 * of ones it does (`usdc`: the service may canonicalise them; the domain rule compares upper-cased).
 */
export const UNKNOWN_CURRENCIES: readonly string[] = ['XYZ', 'SOL', 'usdc', 'Usd', 'EUR', 'US D', "'; DROP TABLE collateral;--", '🚀', '__proto__', '', ' USDC'];

/** Times for `asOf`, `since` and other date-time fields. */
export const HOSTILE_TIMES: readonly string[] = [
  '2024-02-30T00:00:00Z',
  '2024-06-17',
  '2024-06-17T08:00:00',
  '2024-06-17T25:00:00Z',
  '2023-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2024-06-17T08:00:00.123456789Z',
  '2024-06-17T08:00:00+14:00',
  '2024-06-17T08:00:00-12:00',
  'yesterday',
  '1718611200000',
];

/** Content types for bodies; only `application/json` (optionally `; charset=utf-8`) is a JSON body. */
export const WRONG_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  'application/json-patch+json',
  'text/html',
  'application/jsonx',
  '*/*',
];

/** Bodies that are not valid JSON (sent with `application/json`). */
export const MALFORMED_JSON: readonly string[] = [
  '',
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-Infinity}',
  '{"a":undefined}',
  '{"a":0x10}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":"\\x41"}',
  '{"a":"unterminated}',
  '[1,2',
  'nul',
  '\u0000',
  '\uFEFF{}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '/* comment */ {}',
];

/** Authorization headers that carry no valid key. */
export const BAD_AUTH_HEADERS: readonly string[] = [
  'Bearer',
  'Bearer ',
  'Bearer cmk_0000000000000000_nope',
  'Bearer cmk_',
  'Basic YWRtaW46YWRtaW4=',
  'bearer',
  "Bearer '; DROP TABLE api_keys;--",
  'Bearer a b',
  'Token abc',
  `Bearer ${'k'.repeat(4_096)}`,
];
