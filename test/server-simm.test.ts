import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCrif } from '../src/portfolio/crif/read-crif.js';
import { computeSimm, loadSimmParameters } from '../src/risk/simm/index.js';
import { DEFAULT_LIMITS } from '../src/server/http-face.js';
import { startTestServer, testMarket, type TestServer } from './server-helpers.js';

/** POST /accounts/:id/simm (docs/service.md "SIMM"): computed on upload, audited, nothing stored; refusals write nothing. */

const SAMPLE = readFileSync('samples/crif/crif-sample.csv', 'utf8');
const BAD = readFileSync('samples/crif/crif-bad.csv', 'utf8');

describe('POST /accounts/:id/simm', () => {
  let s: TestServer;
  let holderKey: string;
  let officerKey: string;

  beforeAll(async () => {
    s = await startTestServer();
    const admin = s.auth(s.adminKey);
    expect((await s.app.inject({ method: 'POST', url: '/market', headers: admin, payload: testMarket(66_000, 3_500) })).statusCode).toBe(200);
    const holder = await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'account-holder', label: 'alice' } });
    holderKey = holder.json().plaintext;
    officerKey = (await s.app.inject({ method: 'POST', url: '/keys', headers: admin, payload: { role: 'risk-officer' } })).json().plaintext;
    const a1 = await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'a1', collateral: { USDC: 20_000 }, ownerKeyId: holder.json().record.id } });
    expect(a1.statusCode).toBe(201);
    expect((await s.app.inject({ method: 'POST', url: '/accounts', headers: admin, payload: { id: 'b1', collateral: { USDC: 5_000 } } })).statusCode).toBe(201);
  });

  afterAll(async () => {
    await s.close();
  });

  const simm = (key: string, id: string, payload: Record<string, unknown>) => s.app.inject({ method: 'POST', url: `/accounts/${id}/simm`, headers: s.auth(key), payload });
  const audits = async () => (await s.store.listAudit({ limit: 1000 })).filter((a) => a.action === 'simm.upload');

  it('answers the tree and total computeSimm gives on the same text, and audits the upload (not the file)', async () => {
    const r = await simm(s.adminKey, 'a1', { crif: SAMPLE });
    expect(r.statusCode, r.body).toBe(200);
    const expected = computeSimm(parseCrif(SAMPLE, 'crif'), loadSimmParameters('2.6', '10d'));
    const body = r.json();
    expect(body).toMatchObject({ accountId: 'a1', currency: 'USD', version: '2.6', mpor: '10d', rows: 40, stored: false });
    expect(body.total).toBe(expected.total);
    expect(body.tree).toEqual(JSON.parse(JSON.stringify(expected.tree)));
    expect(body.licence).toMatch(/commercial use of ISDA SIMM is licensed by ISDA/);

    const entries = await audits();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'simm.upload', target: 'a1', payload: { rows: 40, version: '2.6', mpor: '10d', total: expected.total } });
    expect(JSON.stringify(entries[0]!.payload)).not.toContain('Risk_');
  });

  it('takes the version and period of risk, and the account holder for its own account; the risk officer too', async () => {
    const tsv = readFileSync('samples/crif/crif-sample.tsv', 'utf8');
    const own = await simm(holderKey, 'a1', { crif: tsv, version: '2.6', mpor: '1d' });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().total).toBe(computeSimm(parseCrif(tsv, 'crif'), loadSimmParameters('2.6', '1d')).total);
    const officer = await simm(officerKey, 'b1', { crif: SAMPLE });
    expect(officer.statusCode).toBe(200);
    expect((await audits()).map((a) => a.target)).toEqual(['a1', 'a1', 'b1']);
  });

  it('refuses a bad CRIF with 422 naming row and column, other accounts and unknown ones with 404, and writes nothing', async () => {
    const before = await s.store.listAudit({ limit: 1000 });

    const bad = await simm(s.adminKey, 'a1', { crif: BAD });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'crif:3:Label1' });
    expect(bad.json().message).toMatch(/^crif row 2 \(line 3\), column Label1: /);

    const broken = await simm(s.adminKey, 'a1', { crif: 'ProductClass,RiskType\nRatesFX' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('CSV_MALFORMED');

    const unknown = await simm(s.adminKey, 'nobody', { crif: SAMPLE });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('NOT_FOUND');

    // An account holder asking about another account gets the unknown account's answer (its existence is not revealed).
    const other = await simm(holderKey, 'b1', { crif: SAMPLE });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('NOT_FOUND');

    const mpor = await simm(s.adminKey, 'a1', { crif: SAMPLE, mpor: '2d' });
    expect(mpor.statusCode).toBe(422);
    expect(mpor.json()).toMatchObject({ code: 'SCHEMA_INVALID', field: 'mpor' });

    const extra = await simm(s.adminKey, 'a1', { crif: SAMPLE, file: 'x' });
    expect(extra.statusCode).toBe(422);

    const noKey = await s.app.inject({ method: 'POST', url: '/accounts/a1/simm', payload: { crif: SAMPLE } });
    expect(noKey.statusCode).toBe(401);

    expect(await s.store.listAudit({ limit: 1000 })).toEqual(before);
  });

  it('takes a CRIF body up to the service’s body limit, and refuses one beyond it with 413', async () => {
    const [header, ...rows] = SAMPLE.trim().split('\n');
    const sensitivities = rows.filter((r) => r.includes(',Risk_'));
    const lines = [header];
    for (let i = 0; lines.join('\n').length < 0.8 * DEFAULT_LIMITS.bodyLimit; i += 500) {
      for (let j = i; j < i + 500; j++) lines.push(sensitivities[j % sensitivities.length]!.replace(/^[^,]*/, `T${j}`));
    }
    const r = await simm(s.adminKey, 'a1', { crif: lines.join('\n') });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(200);
    expect(r.json().rows).toBe(lines.length - 1);
    const before = (await audits()).length;
    const tooBig = await simm(s.adminKey, 'a1', { crif: `${lines.join('\n')}\n${lines.slice(1).join('\n')}` });
    expect(tooBig.statusCode).toBe(413);
    expect((await audits()).length).toBe(before);
  });

  it('is in the OpenAPI document with its recursive tree', async () => {
    const doc = await s.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const op = doc.json().paths['/accounts/{id}/simm'].post;
    expect(op.requestBody.content['application/json'].schema.properties.crif.type).toBe('string');
    expect(op.responses['200'].content['application/json'].schema.properties.tree.$ref).toBe('#/components/schemas/SimmNode');
    const node = doc.json().components.schemas.SimmNode;
    expect(node.properties.children.items.$ref).toBe('#/components/schemas/SimmNode');
    expect(node.required).toEqual(expect.arrayContaining(['name', 'level', 'amount', 'children']));
  });
});
