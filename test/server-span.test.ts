import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../src/market/market-snapshot.js';
import { computeMargin } from '../src/models/compute-margin.js';
import { importSpanFile } from '../src/models/span/import/import-span-file.js';
import { DEFAULT_LIMITS } from '../src/server/http-face.js';
import { startTestServer, type TestServer } from './server-helpers.js';

/** POST /span/margin (docs/service.md "SPAN files"): a SPAN file's text and a portfolio → margins; audited; refusals write nothing. */

const PA2 = readFileSync('samples/span/mcmillan.pa2', 'utf8');
const SPN = readFileSync('samples/span/mcmillan.spn', 'utf8');
const JSON_FORM = readFileSync('docs/examples/span/mcmillan.span.json', 'utf8');

/** The McMillan covered write (docs/span-import.md "Example"), named as the import names contracts. */
const COVERED_WRITE = { account: 'cw', positions: [{ instrument: 'SP 198912', quantity: 1 }, { instrument: 'SP 198912 C 410', quantity: -1 }] };
/** The same book in the JSON form's names. */
const COVERED_WRITE_JSON = { account: 'cw', positions: [{ instrument: 'SPZ9', quantity: 1 }, { instrument: 'SPZ9 410 C', quantity: -1 }] };
/** What the CLI uses without --market: an empty market on the file's business date (McMillan: 1989-10-02). */
const EMPTY_MARKET = { asOf: '1989-10-02T00:00:00Z', underlyings: {} };

/** What `crossmargin margin --model span --span-file FILE` computes (readSpanFileOption is importSpanFile). */
async function cliMargin(path: string, portfolio: unknown) {
  const { document } = await importSpanFile(path);
  return computeMargin({ document: portfolio, source: path }, parseMarketSnapshot(EMPTY_MARKET), 'span', { riskParameters: document, riskParametersSource: path });
}

describe('POST /span/margin', () => {
  let s: TestServer;
  let holderKey: string;
  let officerKey: string;
  let officerId: string;

  beforeAll(async () => {
    s = await startTestServer();
    const admin = s.auth(s.adminKey);
    holderKey = (await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'account-holder', label: 'alice' } })).json().plaintext;
    const officer = (await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'risk-officer' } })).json();
    officerKey = officer.plaintext;
    officerId = officer.record.id;
  });

  afterAll(async () => {
    await s.close();
  });

  const margin = (key: string | undefined, payload: Record<string, unknown>) =>
    s.app.inject({ method: 'POST', url: '/span/margin', ...(key === undefined ? {} : { headers: s.auth(key) }), payload });
  const audits = async () => (await s.store.listAudit({ limit: 1000 })).filter((a) => a.action === 'span.margin');

  it('margins the McMillan .pa2 and .spn texts as the CLI does, and as computeMargin on the JSON form', async () => {
    const fromJson = computeMargin({ document: COVERED_WRITE_JSON }, parseMarketSnapshot(EMPTY_MARKET), 'span', { riskParameters: JSON.parse(JSON_FORM) as unknown });
    for (const [path, text, format] of [
      ['samples/span/mcmillan.pa2', PA2, 'pa2'],
      ['samples/span/mcmillan.spn', SPN, 'spn'],
    ] as const) {
      const r = await margin(s.adminKey, { file: text, portfolio: COVERED_WRITE });
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      const cli = await cliMargin(path, COVERED_WRITE);
      expect(body).toMatchObject({ initialMargin: cli.initialMargin, maintenanceMargin: cli.maintenanceMargin, currency: 'USD' });
      expect(body.components).toEqual(JSON.parse(JSON.stringify(cli.components)));
      expect(body.worstScenario).toEqual(cli.worstScenario);
      expect(body.maintenanceMargin).toBeCloseTo(fromJson.maintenanceMargin, 9);
      expect(body.maintenanceMargin).toBe(6620);
      expect(body.report).toMatchObject({ format, exchanges: ['CME'] });
      expect(body.report.records).toBeGreaterThan(0);
      expect(body.report.unmapped.length).toBeGreaterThan(0);
      expect(body.report.unmapped[0]).toEqual({ item: expect.any(String), count: expect.any(Number), reason: expect.any(String) });
    }
  });

  it('takes the engine JSON and a market, a forced format, and a risk officer', async () => {
    const r = await margin(officerKey, { file: JSON_FORM, format: 'json', market: EMPTY_MARKET, portfolio: COVERED_WRITE_JSON });
    expect(r.statusCode, r.body).toBe(200);
    const expected = computeMargin({ document: COVERED_WRITE_JSON }, parseMarketSnapshot(EMPTY_MARKET), 'span', { riskParameters: JSON.parse(JSON_FORM) as unknown });
    expect(r.json()).toMatchObject({ initialMargin: expected.initialMargin, maintenanceMargin: expected.maintenanceMargin, report: { format: 'json', records: 0, exchanges: [], unmapped: [] } });
    const forced = await margin(officerKey, { file: PA2, format: 'pa2', portfolio: COVERED_WRITE });
    expect(forced.statusCode, forced.body).toBe(200);
    expect(forced.json().report.format).toBe('pa2');
  });

  it('audits each margin with the format, the file’s size and the margins, not the file', async () => {
    const entries = await audits();
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({
      keyId: expect.any(String),
      action: 'span.margin',
      target: 'cw',
      payload: { format: 'pa2', bytes: Buffer.byteLength(PA2), exchanges: ['CME'], initialMargin: 6620, maintenanceMargin: 6620, currency: 'USD' },
    });
    expect(entries[1]!.payload).toMatchObject({ format: 'spn', bytes: Buffer.byteLength(SPN), maintenanceMargin: 6620 });
    expect(entries[2]).toMatchObject({ keyId: officerId, payload: { format: 'json' } });
    for (const e of entries) expect(JSON.stringify(e.payload)).not.toMatch(/CMESP|<spanFile|combinedCommodities/);
  });

  it('refuses a bad file with 422 naming the line, other roles with 403, no key with 401, and writes nothing', async () => {
    const before = await s.store.listAudit({ limit: 1000 });

    const lines = PA2.split('\n');
    lines[7] = `${lines[7]!.slice(0, 60)}x${lines[7]!.slice(61)}`;
    const bad = await margin(s.adminKey, { file: lines.join('\n'), portfolio: COVERED_WRITE });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'MODEL_PARAMS_INVALID', field: 'file:8', details: { line: 8, record: 'record "81"' } });
    expect(bad.json().message).toMatch(/^file:8: record "81" array value 2 \(cols 61–65\): expected digits, got "x0000"/);

    const badXml = await margin(s.adminKey, { file: SPN.replace('<a>-460</a>', '<a>abc</a>'), portfolio: COVERED_WRITE });
    expect(badXml.statusCode).toBe(422);
    expect(badXml.json().message).toMatch(/^file:\d+: <a> ra\/a: expected a number, got "abc"/);

    const notJson = await margin(s.adminKey, { file: '{ nope', portfolio: COVERED_WRITE });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('JSON_MALFORMED');

    const unknown = await margin(s.adminKey, { file: PA2, portfolio: { account: 'x', positions: [{ instrument: 'ZZ 209912', quantity: 1 }] } });
    expect(unknown.statusCode, unknown.body).toBe(422);
    // Not in the file: the instrument layer's answer, naming the portfolio's field.
    expect(unknown.json()).toMatchObject({ code: 'INSTRUMENT_NAME_INVALID', field: 'portfolio: positions.0.instrument' });

    const noPortfolio = await margin(s.adminKey, { file: PA2 });
    expect(noPortfolio.statusCode).toBe(422);
    expect(noPortfolio.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'portfolio' });

    const badFormat = await margin(s.adminKey, { file: PA2, format: 'xml', portfolio: COVERED_WRITE });
    expect(badFormat.statusCode).toBe(422);
    expect(badFormat.json().field).toBe('format');

    const holder = await margin(holderKey, { file: PA2, portfolio: COVERED_WRITE });
    expect(holder.statusCode).toBe(403);
    expect(holder.json().code).toBe('FORBIDDEN');

    const noKey = await margin(undefined, { file: PA2, portfolio: COVERED_WRITE });
    expect(noKey.statusCode).toBe(401);

    const tooBig = await margin(s.adminKey, { file: PA2.repeat(Math.ceil(DEFAULT_LIMITS.bodyLimit / PA2.length) + 1), portfolio: COVERED_WRITE });
    expect(tooBig.statusCode).toBe(413);

    expect(await s.store.listAudit({ limit: 1000 })).toEqual(before);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await s.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const op = doc.json().paths['/span/margin'].post;
    const body = op.requestBody.content['application/json'].schema;
    expect(body.properties.file.type).toBe('string');
    expect(body.properties.format.enum).toEqual(expect.arrayContaining(['spn', 'pa2', 'json']));
    expect(body.required).toEqual(expect.arrayContaining(['file', 'portfolio']));
    expect(Object.keys(op.responses['200'].content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['initialMargin', 'maintenanceMargin', 'currency', 'components', 'report']),
    );
  });
});
