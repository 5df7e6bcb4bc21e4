import { BAD_AUTH_HEADERS } from './hostile-values.js';
import { copyDraft, newDraft, prepare, type DraftRequest, type PreparedRequest, type PrincipalKind } from './fuzz-request.js';
import { generate } from './json-schema.js';
import { mutate, type MutationContext } from './mutators.js';
import { operationsOf, type Operation } from './openapi-operations.js';
import { checkAnswer, checkSuccessBody, FINDING_KINDS, type Answer, type Finding, type FindingKind } from './oracles.js';
import { Prng } from './prng.js';
import { createFuzzTarget, ServiceDictionary, type FuzzTarget, type FuzzTargetOptions } from './service-dictionary.js';
import { changedParts, StateWatcher, type StateDigest } from './state-digest.js';

/**
 * A seeded, bounded, schema-driven mutational fuzzer of the margin service (issue 13). It reads the OpenAPI document
 * of a fresh server (GET /docs/json), builds a valid example of every operation from its schemas (with the
 * service dictionary's domain-aware values), mutates it (malformed JSON, wrong types, missing and extra fields,
 * hostile numbers and strings, expired and unknown instruments, unknown currencies, oversized bodies, wrong content
 * types, odd path parameters, bad query strings, missing or bad keys) and sends it in-process (fastify inject).
 *
 * Every answer is checked (oracles.ts): no 5xx; errors are coded `{code, message, field?, details?}` bodies; no
 * leaked internals; a non-2xx answer changes nothing in the store or the engine (StateWatcher digests before and
 * after); a request the document, the roles or the domain rules refuse is not answered 2xx; a 2xx body has finite
 * numbers and matches its documented schema; after a 2xx change, reads of the changed state still work.
 *
 * The run is split into epochs, each on a fresh server, so one accepted bad value does not spoil the rest of the
 * run. One seed gives one request sequence.
 */

export interface FuzzOptions {
  readonly seed: number;
  /** Fuzzed requests in all (the valid baseline and the reads after changes come on top). */
  readonly requests: number;
  /** Requests per fresh server (default 500). */
  readonly requestsPerEpoch?: number;
  /**
   * Run only this epoch (its requests are numbered as in the whole run). Each epoch has its own server and its own
   * random stream forked from the seed, so a failure in epoch 45 reproduces without running epochs 0–44.
   */
  readonly onlyEpoch?: number;
  /** A new empty database per epoch (`--db` value); default in-memory SQLite. */
  readonly newDb?: () => Promise<string>;
  readonly model?: string;
  /** Longest a request may take before it counts as a hang (ms, default 30 s). */
  readonly requestTimeoutMs?: number;
  /** Called after every fuzzed request (progress). */
  readonly onProgress?: (done: number, total: number, failures: number) => void;
  /** Called after every answer (fuzzed requests, reads after changes, retries): a trace of the run. */
  readonly onAnswer?: (index: number, request: RequestSummary, status: number) => void;
  /** Stop early once this many failures were recorded (default: never). */
  readonly maxFailures?: number;
}

export interface RequestSummary {
  readonly method: string;
  readonly url: string;
  readonly principal: PrincipalKind | 'admin (probe)';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly mutations: readonly string[];
  readonly expected: readonly string[];
}

export interface FuzzFailure {
  readonly kind: FindingKind;
  /** Grouping key: the same class is one defect seen many times. */
  readonly cls: string;
  readonly detail: string;
  readonly epoch: number;
  /** Index of the fuzzed request in the run (baseline requests: -1). */
  readonly index: number;
  readonly request: RequestSummary;
  readonly answer: { readonly status: number; readonly body: string };
  /** For reads after a change: the change that broke them. */
  readonly after?: RequestSummary;
}

export interface FuzzReport {
  readonly seed: number;
  readonly requestsPerEpoch: number;
  readonly requests: number;
  readonly probes: number;
  readonly baseline: Readonly<Record<string, number>>;
  /** Answers by operation and status. */
  readonly statuses: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly operations: readonly string[];
  readonly failures: readonly FuzzFailure[];
  readonly elapsedMs: number;
  readonly slowest: readonly { readonly ms: number; readonly request: string }[];
  /** Time spent per operation (answers only), ms, and in state digests and reads after changes. */
  readonly timeMs: Readonly<Record<string, number>>;
}

const TRUNCATE = 400;

function truncate(text: string | undefined, max = TRUNCATE): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

function summarise(p: PreparedRequest, expected: readonly string[]): RequestSummary {
  const headers = { ...p.headers };
  return {
    method: p.method,
    url: truncate(p.url, 300) as string,
    principal: p.draft.principal,
    headers: p.draft.principal === 'bad-header' && p.draft.authHeader !== undefined ? { ...headers, authorization: truncate(p.draft.authHeader, 60) as string } : headers,
    body: truncate(p.payload),
    mutations: p.draft.notes.map((n) => truncate(n, 240) as string),
    expected,
  };
}

const PRINCIPALS: readonly (readonly [PrincipalKind, number])[] = [
  ['admin', 72],
  ['account-holder', 10],
  ['risk-officer', 6],
  ['no-key', 4],
  ['bad-header', 4],
  ['revoked-key', 4],
];

const MUTATION_COUNTS: readonly (readonly [number, number])[] = [
  [0, 12],
  [1, 58],
  [2, 22],
  [3, 8],
];

/** Runs inject with a deadline. */
async function send(target: FuzzTarget, p: { method: string; url: string; headers: Record<string, string>; payload?: string | undefined; remoteAddress?: string }, timeoutMs: number): Promise<Answer> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const res = await Promise.race([
      target.app.inject({
        method: p.method as 'GET',
        url: p.url,
        headers: p.headers,
        ...(p.payload === undefined ? {} : { payload: p.payload }),
        ...(p.remoteAddress === undefined ? {} : { remoteAddress: p.remoteAddress }),
      }),
      deadline,
    ]);
    return { statusCode: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The class of a finding: kind, operation, status, error code and what was wrong (no request-specific values). Errors
 * the framework answers before any route runs (fastify's own `FST_ERR_…` codes, non-JSON bodies) are one class
 * whatever the operation.
 */
function classOf(kind: FindingKind, opId: string, answer: Answer, what: string): string {
  let code = '';
  try {
    const b = JSON.parse(answer.body) as { code?: unknown };
    if (typeof b.code === 'string') code = ` ${b.code}`;
  } catch {
    // not JSON
  }
  const framework = (kind === 'error-shape' || kind === 'leak') && (code === '' || code.startsWith(' FST_'));
  return `${kind} | ${framework ? '(any route)' : opId} → ${answer.statusCode}${code} | ${what}`;
}

export class ServiceFuzzer {
  private readonly failures: FuzzFailure[] = [];
  private readonly statuses: Record<string, Record<string, number>> = {};
  private readonly baseline: Record<string, number> = {};
  private readonly timings: { ms: number; request: string }[] = [];
  private readonly timeMs: Record<string, number> = {};
  private probes = 0;
  private done = 0;
  private operations: readonly Operation[] = [];

  constructor(private readonly options: FuzzOptions) {}

  async run(): Promise<FuzzReport> {
    const started = performance.now();
    const rng = new Prng(this.options.seed);
    const perEpoch = Math.max(1, this.options.requestsPerEpoch ?? 500);
    // The valid baseline and the directed corpus first, on a server of their own (epoch -1), so whatever they break
    // does not hide what the random requests find.
    const corpusRng = rng.fork();
    if (this.options.onlyEpoch === undefined) {
      const target = await createFuzzTarget(await this.targetOptions());
      try {
        await this.runCorpus(target, corpusRng);
      } finally {
        await target.close();
      }
    }
    for (let epoch = 0; this.done < this.options.requests && !this.stopped(); epoch++) {
      const epochRng = rng.fork();
      const only = this.options.onlyEpoch;
      if (only !== undefined && epoch !== only) {
        if (epoch > only) break;
        this.done += Math.min(perEpoch, this.options.requests - this.done);
        continue;
      }
      const target = await createFuzzTarget(await this.targetOptions());
      try {
        await this.runEpoch(target, epoch, epochRng, Math.min(perEpoch, this.options.requests - this.done));
      } finally {
        await target.close();
      }
    }
    this.timings.sort((a, b) => b.ms - a.ms);
    return {
      seed: this.options.seed,
      requestsPerEpoch: perEpoch,
      requests: this.done,
      probes: this.probes,
      baseline: this.baseline,
      statuses: this.statuses,
      operations: this.operations.map((o) => o.id),
      failures: this.failures,
      elapsedMs: performance.now() - started,
      slowest: this.timings.slice(0, 8),
      timeMs: this.timeMs,
    };
  }

  private async targetOptions(): Promise<FuzzTargetOptions> {
    return {
      ...(this.options.newDb === undefined ? {} : { db: await this.options.newDb() }),
      ...(this.options.model === undefined ? {} : { model: this.options.model }),
    };
  }

  /** The unmutated valid example of every operation (as admin), then the directed corpus, then a restart check. */
  private async runCorpus(target: FuzzTarget, rng: Prng): Promise<void> {
    const epoch = -1;
    const doc: unknown = (await target.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const ops = operationsOf(doc);
    if (ops.length === 0) throw new Error('the OpenAPI document lists no operations');
    this.operations = ops;
    const dict = new ServiceDictionary(target, epoch);
    const watcher = new StateWatcher(target.store, () => target.host.engine);
    for (const op of ops) {
      const p = prepare(this.draft(op, 'admin', dict, rng, doc), { doc, bodyLimit: target.bodyLimit });
      const answer = await this.exchange(target, dict, watcher, doc, p, epoch, -1);
      if (answer !== undefined) this.baseline[op.id] = answer.statusCode;
    }
    let last: PreparedRequest | undefined;
    const example = (opId: string): DraftRequest | undefined => {
      const op = ops.find((o) => o.id === opId);
      return op === undefined ? undefined : this.draft(op, 'admin', dict, rng, doc);
    };
    for (const item of dict.corpus(example, rng)) {
      if (item === 'restart check') {
        if (last !== undefined) await this.checkRestore(target, last, epoch, -2);
        continue;
      }
      last = prepare(item, { doc, bodyLimit: target.bodyLimit });
      await this.exchange(target, dict, watcher, doc, last, epoch, -2);
    }
  }

  private time(what: string, started: number): number {
    const ms = performance.now() - started;
    this.timeMs[what] = (this.timeMs[what] ?? 0) + ms;
    return ms;
  }

  private stopped(): boolean {
    return this.options.maxFailures !== undefined && this.failures.length >= this.options.maxFailures;
  }

  private async runEpoch(target: FuzzTarget, epoch: number, rng: Prng, count: number): Promise<void> {
    const docAnswer = await target.app.inject({ method: 'GET', url: '/docs/json' });
    const doc: unknown = docAnswer.json();
    const ops = operationsOf(doc);
    if (ops.length === 0) throw new Error('the OpenAPI document lists no operations');
    this.operations = ops;
    const dict = new ServiceDictionary(target, epoch);
    const watcher = new StateWatcher(target.store, () => target.host.engine);
    const ctx: MutationContext = { doc, bodyLimit: target.bodyLimit, operations: ops };

    const weighted = ops.map((op) => [op, dict.weight(op)] as const);
    let followUp: DraftRequest | undefined;
    let changesSinceRestore = 0;
    for (let i = 0; i < count && !this.stopped(); i++) {
      let draft: DraftRequest;
      if (followUp !== undefined) {
        draft = followUp;
        followUp = undefined;
      } else {
        const op = rng.weighted(weighted);
        const principal = rng.weighted(PRINCIPALS);
        draft = this.draft(op, principal, dict, rng, doc);
        mutate(draft, rng.weighted(MUTATION_COUNTS), rng, ctx);
        if (principal === 'bad-header') draft.authHeader = rng.pick(BAD_AUTH_HEADERS);
      }
      // Never revoke the fixture's own keys.
      if (draft.op.id === 'DELETE /keys/{id}' && dict.protectedKeyIds.has(draft.params['id'] ?? '')) draft.params['id'] = 'no-such-key';
      // Now and then the market goes quiet for two hours: margins are read stale.
      if (rng.chance(0.01)) {
        target.clock.advance(2 * 3_600_000);
        draft.notes.push('(engine clock moved 2 h ahead before this request)');
      }
      const p = prepare(draft, { doc, bodyLimit: target.bodyLimit });
      const answer = await this.exchange(target, dict, watcher, doc, p, epoch, this.done);
      if (answer !== undefined && answer.statusCode >= 200 && answer.statusCode < 300 && isIdempotentChange(p) && rng.chance(0.3)) {
        await this.retry(target, dict, watcher, p, answer, epoch, this.done);
      }
      this.done += 1;
      this.options.onProgress?.(this.done, this.options.requests, this.failures.length);
      if (accepted2xx(answer) && draft.method !== 'GET') changesSinceRestore += 1;
      // Every 100 requests (and at the end of the epoch), after changes: could the service restart from its store?
      if (changesSinceRestore > 0 && ((i + 1) % 100 === 0 || i === count - 1)) {
        changesSinceRestore = 0;
        await this.checkRestore(target, p, epoch, this.done - 1);
      }
      // An accepted mutated change is sent again as a new change: damage by accumulation (overflow to Infinity,
      // a second hostile market) shows on the second one.
      const accepted = answer !== undefined && answer.statusCode >= 200 && answer.statusCode < 300;
      if (accepted && draft.notes.length > 0 && draft.method !== 'GET' && !draft.notes.some((n) => n.startsWith('follow-up')) && rng.chance(0.6)) {
        const again = copyDraft(draft, 'follow-up: the accepted change sent again as a new change');
        if (dict.refresh(again, rng)) followUp = again;
      }
    }
  }

  /** A valid example of `op` (from its schemas and the dictionary's hints). */
  private draft(op: Operation, principal: PrincipalKind, dict: ServiceDictionary, rng: Prng, doc: unknown): DraftRequest {
    const d = newDraft(op, principal);
    const hint = dict.hint(op, principal, rng);
    for (const p of op.pathParams) {
      const v = generate(p.schema, rng, { root: doc, hint, where: 'params' }, [p.name]);
      d.params[p.name] = typeof v === 'string' ? v : String(v ?? 'x');
    }
    for (const p of op.queryParams) {
      if (!p.required && !rng.chance(0.5)) continue;
      const v = generate(p.schema, rng, { root: doc, hint, where: 'query' }, [p.name]);
      if (v !== undefined) d.query.push([p.name, String(v)]);
    }
    if (op.body !== undefined) {
      d.body = generate(op.body, rng, { root: doc, hint, where: 'body', optionalRate: 0.4 });
      d.hasBody = true;
      d.contentType = 'application/json';
    }
    return d;
  }

  /** Sends one request, checks its answer and the state, and makes the reads after a 2xx change. */
  private async exchange(target: FuzzTarget, dict: ServiceDictionary, watcher: StateWatcher, doc: unknown, p: PreparedRequest, epoch: number, index: number): Promise<Answer | undefined> {
    const d = p.draft;
    target.clock.advance(1_000);
    const auth = d.principal === 'bad-header' ? d.authHeader : dict.authHeader(d.principal);
    const headers = { ...p.headers, ...(auth === undefined ? {} : { authorization: auth }) };
    // A verbatim path parameter (`%2e%2e`, `a/b`) may resolve to another route: judged by the generic oracles only.
    const routed = d.pathOverride === undefined && d.rawParams.size === 0;
    const authReasons = d.op.secured && routed && (d.principal === 'no-key' || d.principal === 'bad-header' || d.principal === 'revoked-key') ? [`no valid API key (${d.principal})`] : [];
    const expectations = {
      invalid: [...d.mustReject, ...p.violations],
      unauthorised: [...authReasons, ...(routed ? dict.roleReasons(p) : [])],
      hostile: dict.domainReasons(p),
    };
    const expected = [...expectations.invalid, ...expectations.unauthorised, ...expectations.hostile];
    const summary = summarise({ ...p, headers }, expected);
    const digestStarted = performance.now();
    const before: StateDigest = await watcher.digest();
    this.time('(state digests)', digestStarted);
    const started = performance.now();
    let answer: Answer;
    try {
      // Requests without a usable key come from their own address (the auth-failure limiter is per address).
      const remoteAddress = auth === undefined || d.principal === 'bad-header' || d.principal === 'revoked-key' ? `10.0.${epoch % 250}.${(index + 2) % 250}` : undefined;
      answer = await send(target, { method: p.method, url: p.url, headers, payload: p.payload, ...(remoteAddress === undefined ? {} : { remoteAddress }) }, this.options.requestTimeoutMs ?? 30_000);
    } catch (error) {
      this.record({ kind: 'server-error', what: 'no answer', detail: String(error) }, d.op.id, { statusCode: 0, headers: {}, body: '' }, summary, epoch, index);
      return undefined;
    }
    this.options.onAnswer?.(index, summary, answer.statusCode);
    const ms = this.time(d.op.id, started);
    this.timings.push({ ms, request: `${p.method} ${truncate(p.url, 120)}` });
    if (this.timings.length > 64) {
      this.timings.sort((a, b) => b.ms - a.ms);
      this.timings.length = 16;
    }
    const stats = (this.statuses[d.op.id] ??= {});
    stats[answer.statusCode] = (stats[answer.statusCode] ?? 0) + 1;

    const findings: Finding[] = checkAnswer(answer);
    const ok = answer.statusCode >= 200 && answer.statusCode < 300;
    if (ok) {
      if (expectations.invalid.length > 0) findings.push({ kind: 'accepted-invalid', what: `accepted: ${generalise(expectations.invalid[0] as string)}`, detail: expectations.invalid.join('; ') });
      else if (expectations.unauthorised.length > 0) findings.push({ kind: 'accepted-unauthorised', what: `accepted: ${generalise(expectations.unauthorised[0] as string)}`, detail: expectations.unauthorised.join('; ') });
      else if (expectations.hostile.length > 0) findings.push({ kind: 'accepted-hostile', what: `accepted: ${generalise(expectations.hostile[0] as string)}`, detail: expectations.hostile.join('; ') });
      if (routed && d.method === d.op.method) findings.push(...checkSuccessBody(answer, d.op.responses[String(answer.statusCode)], doc));
    } else {
      const afterStarted = performance.now();
      const after = await watcher.digest();
      this.time('(state digests)', afterStarted);
      const changed = changedParts(before, after);
      if (changed.length > 0) findings.push({ kind: 'state-changed', what: `changed ${changed.join(', ')}`, detail: `a ${answer.statusCode} answer changed: ${changed.join(', ')}` });
    }
    for (const f of findings) this.record(f, d.op.id, answer, summary, epoch, index);

    if (ok) {
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        body = undefined;
      }
      dict.observe(p, answer.statusCode, body);
      if (d.method !== 'GET' && d.method !== 'HEAD') await this.probe(target, dict, p, body, summary, epoch, index);
    }
    return answer;
  }

  /**
   * Restores an engine from the store, as a restart would (restoreEngine), and compares it with the running one:
   * the same accounts, each margined or not alike. The store is the truth (docs/service.md): if it cannot be read
   * back, the service cannot restart.
   */
  private async checkRestore(target: FuzzTarget, last: PreparedRequest, epoch: number, index: number): Promise<void> {
    const started = performance.now();
    this.probes += 1;
    const summary: RequestSummary = {
      method: '(restart)',
      url: 'restoreEngine(store) after the changes so far',
      principal: 'admin (probe)',
      headers: {},
      body: undefined,
      mutations: [`last request: ${last.method} ${truncate(last.url, 120) as string}`],
      expected: [],
    };
    const answer: Answer = { statusCode: 0, headers: {}, body: '' };
    try {
      const restored = await target.restore();
      const live = target.host.engine;
      const ids = (e: typeof live) => e.accountIds().sort().join(',');
      if (ids(restored) !== ids(live)) {
        this.record({ kind: 'not-restorable', what: 'restored engine has other accounts', detail: `live: ${ids(live)}; restored: ${ids(restored)}` }, '(restart)', answer, summary, epoch, index);
      }
      const margined = (e: typeof live, id: string): boolean => {
        try {
          e.margin(id);
          return true;
        } catch {
          return false;
        }
      };
      const differ = live.accountIds().filter((id) => margined(live, id) !== margined(restored, id));
      if (differ.length > 0) {
        this.record({ kind: 'not-restorable', what: 'restored engine margins other accounts', detail: `margined in one engine only: ${differ.join(', ')}` }, '(restart)', answer, summary, epoch, index);
      }
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      const ids = (await target.store.listAccounts()).map((a) => (a.id.length > 24 ? `${a.id.slice(0, 12)}…(${a.id.length})` : a.id));
      this.record(
        {
          kind: 'not-restorable',
          what: `restoreEngine throws ${String(e.code ?? 'an error')}`,
          detail: `${truncate(String(e.message ?? error), 300) as string}; accounts in the store: ${truncate(ids.join(', '), 300) as string}`,
        },
        '(restart)',
        { ...answer, body: truncate(String(e.message ?? error), 600) as string },
        summary,
        epoch,
        index,
      );
    } finally {
      this.time('(restart checks)', started);
    }
  }

  /**
   * The exact retry of an accepted change with an idempotency key (a client that lost the answer): it must be
   * answered 2xx again and change nothing (docs/service.md: applied once).
   */
  private async retry(target: FuzzTarget, dict: ServiceDictionary, watcher: StateWatcher, p: PreparedRequest, first: Answer, epoch: number, index: number): Promise<void> {
    const auth = dict.authHeader(p.draft.principal);
    const headers = { ...p.headers, ...(auth === undefined ? {} : { authorization: auth }) };
    const summary = { ...summarise({ ...p, headers }, []), mutations: [...p.draft.notes, 'retry: the same request again (same idempotency key and content)'] };
    this.probes += 1;
    const before = await watcher.digest();
    let answer: Answer;
    try {
      answer = await send(target, { method: p.method, url: p.url, headers, payload: p.payload }, this.options.requestTimeoutMs ?? 30_000);
    } catch (error) {
      this.record({ kind: 'server-error', what: 'no answer (retry)', detail: String(error) }, p.draft.op.id, { statusCode: 0, headers: {}, body: '' }, summary, epoch, index);
      return;
    }
    this.options.onAnswer?.(index, summary, answer.statusCode);
    const changed = changedParts(before, await watcher.digest());
    const findings: Finding[] = checkAnswer(answer);
    if (answer.statusCode !== first.statusCode) findings.push({ kind: 'not-idempotent', what: `retry answered ${answer.statusCode} after ${first.statusCode}`, detail: truncate(answer.body, 300) as string });
    if (changed.length > 0) findings.push({ kind: 'not-idempotent', what: `retry changed ${changed.join(', ')}`, detail: `the retry changed: ${changed.join(', ')}` });
    for (const f of findings) this.record(f, p.draft.op.id, answer, summary, epoch, index);
  }

  /** Reads after a 2xx change: they must still be served (no 5xx, no leaks, coded errors). */
  private async probe(target: FuzzTarget, dict: ServiceDictionary, p: PreparedRequest, body: unknown, trigger: RequestSummary, epoch: number, index: number): Promise<void> {
    for (const read of dict.probesAfter(p, body)) {
      const headers = { authorization: dict.authHeader('admin') as string };
      this.probes += 1;
      const summary: RequestSummary = { method: read.method, url: read.url, principal: 'admin (probe)', headers: {}, body: undefined, mutations: [], expected: [] };
      let answer: Answer;
      const started = performance.now();
      try {
        answer = await send(target, { method: read.method, url: read.url, headers }, this.options.requestTimeoutMs ?? 30_000);
        this.time(`(read after change) ${read.method} ${templateOf(read.url)}`, started);
        this.options.onAnswer?.(index, summary, answer.statusCode);
      } catch (error) {
        this.record({ kind: 'broken-after-change', what: `no answer (first after ${p.draft.op.id})`, detail: String(error) }, `${read.method} ${templateOf(read.url)}`, { statusCode: 0, headers: {}, body: '' }, summary, epoch, index, trigger);
        continue;
      }
      const findings = checkAnswer(answer);
      if (read.account !== undefined) {
        let id: unknown;
        try {
          id = (JSON.parse(answer.body) as { id?: unknown }).id;
        } catch {
          id = undefined;
        }
        if (answer.statusCode !== 200 || id !== read.account) {
          findings.push({ kind: 'broken-after-change', what: `the account cannot be read at its URL (${answer.statusCode})`, detail: `GET ${read.url} answered ${answer.statusCode} ${truncate(answer.body, 160) as string}` });
        }
      }
      for (const f of findings) {
        // Grouped by the read: once the state is broken, every later change shows it again; the class's first
        // occurrence names the change that broke it.
        this.record({ kind: 'broken-after-change', what: `${f.kind}: ${f.what}`, detail: `after ${p.draft.op.id}: ${f.detail}` }, `${read.method} ${templateOf(read.url)}`, answer, summary, epoch, index, trigger);
      }
    }
  }

  private record(f: Finding, opId: string, answer: Answer, request: RequestSummary, epoch: number, index: number, after?: RequestSummary): void {
    this.failures.push({
      kind: f.kind,
      cls: classOf(f.kind, opId, answer, f.what),
      detail: f.detail,
      epoch,
      index,
      request,
      answer: { status: answer.statusCode, body: truncate(answer.body, 600) as string },
      ...(after === undefined ? {} : { after }),
    });
  }
}

const accepted2xx = (answer: Answer | undefined): boolean => answer !== undefined && answer.statusCode >= 200 && answer.statusCode < 300;

/** A change sent as documented whose body carries an idempotency key (trades, collateral). */
function isIdempotentChange(p: PreparedRequest): boolean {
  const d = p.draft;
  if (d.method === 'GET' || d.pathOverride !== undefined || d.rawParams.size > 0 || p.conformance === 'invalid' || p.payload === undefined) return false;
  const body = d.bodyText === undefined ? d.body : undefined;
  return typeof body === 'object' && body !== null && typeof (body as Record<string, unknown>)['idempotencyKey'] === 'string';
}

/** `GET /accounts/a1/compare` → `/accounts/{id}/compare` (for grouping probe findings). */
function templateOf(url: string): string {
  return url.replace(/^\/accounts\/[^/?]+/, '/accounts/{id}').split('?')[0] as string;
}

/** A reason without its request-specific values, for grouping (`instrument "X" at body.p` → `instrument at body.p`). */
function generalise(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"/g, '…')
    .replace(/\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, 'N')
    .replace(/\.N\b/g, '.N')
    .slice(0, 160);
}

/** Runs the fuzzer. */
export function fuzzService(options: FuzzOptions): Promise<FuzzReport> {
  return new ServiceFuzzer(options).run();
}

/** The distinct failure classes, most frequent first, with their first occurrence. */
export function failureClasses(failures: readonly FuzzFailure[]): { cls: string; count: number; first: FuzzFailure }[] {
  const map = new Map<string, { cls: string; count: number; first: FuzzFailure }>();
  for (const f of failures) {
    const hit = map.get(f.cls);
    if (hit === undefined) map.set(f.cls, { cls: f.cls, count: 1, first: f });
    else hit.count += 1;
  }
  return [...map.values()].sort((a, b) => b.count - a.count || a.cls.localeCompare(b.cls));
}

/** One paragraph: what ran, how long, what it found. */
export function formatSummary(report: FuzzReport): string {
  const classes = failureClasses(report.failures);
  const byKind = new Map<string, number>();
  for (const c of classes) byKind.set(c.first.kind, (byKind.get(c.first.kind) ?? 0) + 1);
  const statuses = new Map<string, number>();
  for (const perOp of Object.values(report.statuses)) for (const [s, n] of Object.entries(perOp)) statuses.set(s[0] + 'xx', (statuses.get(s[0] + 'xx') ?? 0) + n);
  return [
    `fuzz seed ${report.seed}: ${report.requests} requests over ${report.operations.length} operations + ${report.probes} reads after changes, ${(report.elapsedMs / 1000).toFixed(1)} s`,
    `answers: ${[...statuses].sort().map(([s, n]) => `${s} ${n}`).join(', ')}`,
    `failures: ${report.failures.length} in ${classes.length} classes${classes.length === 0 ? '' : ` (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`}`,
    `time: ${Object.entries(report.timeMs)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
    `slowest: ${report.slowest.slice(0, 3).map((s) => `${s.ms.toFixed(0)} ms ${s.request}`).join('; ')}`,
  ].join('\n');
}

/** Answers by operation and status, one line per operation (what the fuzz reached). */
export function formatStatuses(report: FuzzReport): string {
  return report.operations
    .map((op) => {
      const perStatus = report.statuses[op] ?? {};
      const total = Object.values(perStatus).reduce((a, b) => a + b, 0);
      const parts = Object.entries(perStatus)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([st, n]) => `${st}×${n}`);
      return `${op.padEnd(50)} ${String(total).padStart(5)}  ${parts.join(' ')}`;
    })
    .join('\n');
}

function formatRequest(r: RequestSummary, indent: string): string {
  const lines = [`${indent}${r.method} ${r.url}   [key: ${r.principal}]`];
  const h = Object.entries(r.headers).filter(([k]) => k !== 'authorization' || r.principal === 'bad-header');
  if (h.length > 0) lines.push(`${indent}headers: ${h.map(([k, v]) => `${k}: ${v}`).join('; ')}`);
  if (r.body !== undefined) lines.push(`${indent}body: ${r.body}`);
  if (r.mutations.length > 0) lines.push(`${indent}mutations: ${r.mutations.join(' | ')}`);
  if (r.expected.length > 0) lines.push(`${indent}must be refused because: ${r.expected.slice(0, 4).join('; ')}`);
  return lines.join('\n');
}

/** A failure report a person can act on: seed, how to rerun, and each class with its first request and answer. */
export function formatFailures(report: FuzzReport, kinds: readonly FindingKind[] = FINDING_KINDS, maxClasses = 40): string {
  const failures = report.failures.filter((f) => kinds.includes(f.kind));
  if (failures.length === 0) return `no failures (seed ${report.seed})`;
  const classes = failureClasses(failures);
  const out = [
    `${failures.length} failures in ${classes.length} classes — seed ${report.seed}, ${report.requests} requests`,
    `rerun: FUZZ_SEED=${report.seed} FUZZ_REQUESTS=${report.requests} npx vitest run test/server-fuzz.test.ts   (or: npm run build && node scripts/fuzz-service.mjs --seed ${report.seed} --requests ${report.requests})`,
    '',
  ];
  for (const c of classes.slice(0, maxClasses)) {
    const f = c.first;
    out.push(`■ [${c.count}×] ${c.cls}`);
    out.push(`  first at ${f.index === -1 ? 'the valid baseline' : f.index === -2 ? 'the directed corpus' : `request #${f.index}`} (epoch ${f.epoch}): ${f.detail}`);
    out.push(
      f.epoch < 0
        ? `  (the baseline and the corpus run first in every run: node scripts/fuzz-service.mjs --seed ${report.seed} --requests 1 reproduces them)`
        : `  this epoch alone: node scripts/fuzz-service.mjs --seed ${report.seed} --requests ${f.epoch * report.requestsPerEpoch + report.requestsPerEpoch} --per-epoch ${report.requestsPerEpoch} --epoch ${f.epoch}`,
    );
    if (f.after !== undefined) {
      out.push('  after this 2xx change:');
      out.push(formatRequest(f.after, '    '));
      out.push('  the read:');
    }
    out.push(formatRequest(f.request, '    '));
    out.push(`    answer: ${f.answer.status} ${f.answer.body}`);
    out.push('');
  }
  if (classes.length > maxClasses) out.push(`… and ${classes.length - maxClasses} more classes`);
  return out.join('\n');
}
