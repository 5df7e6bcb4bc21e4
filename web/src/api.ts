import type { z } from 'zod';
import type { HealthSchema, LiquidationPlanViewSchema, LiveMarginSchema, WhatIfResultSchema } from '../../src/server/api-schemas.js';
import type { LiveAccountState } from '../../src/engine/account/account-state.js';
import type { CurrentMarketSchema, MarginSummary, ModelComparisonSchema, ProfileSchema } from '../../src/server/dashboard-schemas.js';
import type { LabBacktest, LabCalibration, LabStress, ReverseStress } from '../../src/server/lab-schemas.js';

// The dashboard reads the same API as every other client (docs/service.md), with the same schemas: these types are
// inferred from the server's zod schemas, so a field renamed there fails the dashboard's type check.
export type { LabBacktest, LabCalibration, LabStress, MarginSummary, ReverseStress };
export type LiveMargin = z.infer<typeof LiveMarginSchema>;
export type WhatIfResult = z.infer<typeof WhatIfResultSchema>;
export type LiquidationPlanView = z.infer<typeof LiquidationPlanViewSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type ModelComparison = z.infer<typeof ModelComparisonSchema>;
export type CurrentMarket = z.infer<typeof CurrentMarketSchema>;
// The gateway's answers (src/server/cluster/gateway-routes.ts ClusterHealthSchema, ClusterStatusSchema,
// ClusterMarginSchema), written out: a type import of that file drags the server's request augmentation into this build.
export interface ClusterHealth {
  status: 'ok';
  mode: 'cluster';
  store: string;
  partitions: number;
  marketAsOf?: string;
}
/** `/healthz`: a gateway says `mode: 'cluster'` (docs/dashboard.md "Cluster mode"); the single-process service has no mode. */
export type Health = z.infer<typeof HealthSchema> | ClusterHealth;
export interface ClusterStatus {
  /** `owner` is '' for a free partition; `expiresAt` is its lease's end, epoch ms; `appliedSeq` its last applied log position. */
  partitions: { partition: number; owner: string; expiresAt: number; appliedSeq: number }[];
  /** Workers whose heartbeat is current. */
  workers: string[];
  marketAsOf?: string;
}
/** An account's margin as its partition's owner published it; amounts in the account currency. */
export interface ClusterMargin {
  accountId: string;
  partition: number;
  initialMargin: number;
  maintenanceMargin: number;
  equity: number;
  excess: number;
  /** The account currency the figures are in. */
  currency: string;
  state: LiveAccountState;
  asOf: string;
  /** The figures may be out of date (held, never lowered): why in staleReasons. */
  stale: boolean;
  staleReasons: ('underlying' | 'no-owner' | 'behind-market')[];
  staleUnderlyings?: string[];
}
export interface AccountView {
  id: string;
  currency: string;
  mode: 'cross' | 'isolated';
  positions: { instrument: string; quantity: number; entryPrice?: number }[];
  collateral: Record<string, number>;
}

const KEY_STORAGE = 'crossmargin.apiKey';

/** The API key: from the URL fragment (`#key=…`, printed by `serve --demo`) or the tab's sessionStorage. */
export function takeKey(): string | undefined {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (match?.[1] !== undefined) {
    sessionStorage.setItem(KEY_STORAGE, decodeURIComponent(match[1]));
    // Drop the key from the address bar (and so from history and screenshots).
    window.history.replaceState(undefined, '', `${window.location.pathname}#/`);
  }
  return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
}

export function storeKey(key: string | undefined): void {
  if (key === undefined) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

/** A coded API error (the service's error body: code, message, field). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** The error body's `details` (e.g. ACCOUNT_UNMARGINABLE's `reason`), when it has them. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export class Api {
  constructor(readonly key: string) {}

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (!response.ok) {
      const e = (json ?? {}) as { code?: string; message?: string; field?: string; details?: Record<string, unknown> };
      throw new ApiError(response.status, e.code ?? `HTTP_${response.status}`, e.message ?? response.statusText, e.field, e.details);
    }
    return json as T;
  }

  margins = () => this.request<MarginSummary[]>('GET', '/margins');
  market = () => this.request<CurrentMarket>('GET', '/market');
  account = (id: string) => this.request<AccountView>('GET', `/accounts/${encodeURIComponent(id)}`);
  margin = (id: string) => this.request<LiveMargin>('GET', `/accounts/${encodeURIComponent(id)}/margin`);
  profile = (id: string) => this.request<Profile>('GET', `/accounts/${encodeURIComponent(id)}/profile`);
  liquidationPlan = (id: string) => this.request<LiquidationPlanView>('GET', `/accounts/${encodeURIComponent(id)}/liquidation-plan`);
  compare = (id: string) => this.request<ModelComparison>('GET', `/accounts/${encodeURIComponent(id)}/compare`);
  whatIf = (id: string, trades: { instrument: string; quantity: number }[]) =>
    // explain: the panel names the model of the after-state (the answer's `result`, sent only when asked).
    this.request<WhatIfResult>('POST', `/accounts/${encodeURIComponent(id)}/what-if`, { trades, explain: true });
  backtest = (account: string, models: string[], days: number) =>
    this.request<LabBacktest>('GET', `/lab/backtest?account=${encodeURIComponent(account)}&models=${models.join(',')}&days=${days}`);
  calibration = (underlyings: string[], points: number, step: number) =>
    this.request<LabCalibration>('GET', `/lab/calibration?underlyings=${underlyings.join(',')}&points=${points}&step=${step}`);
  reverseStress = (id: string) => this.request<ReverseStress>('GET', `/accounts/${encodeURIComponent(id)}/reverse-stress`);
  stress = () => this.request<LabStress>('GET', '/lab/stress');
  maxOrder = (id: string, instrument: string, side: 'buy' | 'sell') =>
    this.request<{ quantity: number; position: number; unbounded: boolean; reason: string }>(
      'GET',
      `/accounts/${encodeURIComponent(id)}/max-order?instrument=${encodeURIComponent(instrument)}&side=${side}`,
    );
  models = () => this.request<{ id: string; description: string }[]>('GET', '/models');
  health = () => this.request<Health>('GET', '/healthz');
  // The gateway's routes (docs/scale-out.md "Gateway"): same paths as some single-process ones, other answers.
  cluster = () => this.request<ClusterStatus>('GET', '/cluster');
  clusterMargins = (limit = 1_000) => this.request<ClusterMargin[]>('GET', `/margins?limit=${limit}`);
}
