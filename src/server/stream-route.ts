import type { FastifyInstance } from 'fastify';
import type { EngineEvent } from '../engine/live/engine-event.js';
import { ANY_ROLE, canSeeAccount } from './authenticate.js';
import { marginSummary } from './dashboard-routes.js';
import type { LiquidationDriver } from './liquidation-driver.js';
import type { MarginService } from './margin-service.js';

/** Coalescing window of `margins` messages, ms. */
export const MARGINS_FLUSH_MS = 250;

export interface StreamDeps {
  readonly service: MarginService;
  /** The liquidation driver, when the server carries liquidations out: its plan / slice / completion events. */
  readonly liquidation?: LiquidationDriver;
}

/**
 * `GET /stream` (WebSocket; the key as sub-protocol `cmk.<key>` next to `crossmargin.v1`, authenticate.ts). Pushes, as
 * JSON text messages:
 * - `{"type":"event","event":{…}}` for every engine event after it was persisted (state transitions, margin calls,
 *   liquidations; spike-guard events for admin and risk officer only), and
 * - `{"type":"margin","margin":{…}}` right after an account event: the account's current margin.
 * - `{"type":"margins","margins":[…]}`: overview rows (MarginSummary, GET /margins) of the accounts whose margins were
 *   recomputed (market update, trade, position or collateral change), coalesced to at most one message per
 *   `MARGINS_FLUSH_MS` per connection, so a fast feed over many accounts cannot flood a browser.
 * - `{"type":"event","event":{…}}` too for the liquidation driver's `liquidation-plan`, `liquidation-slice` and
 *   `liquidation-complete` events (after the plan, fill or completion was stored).
 * An account holder receives only its own accounts. A first `{"type":"hello",…}` message confirms the subscription.
 */
export function registerStreamRoute(app: FastifyInstance, deps: StreamDeps): void {
  app.get('/stream', { websocket: true, config: ANY_ROLE, schema: { hide: true } }, (socket, request) => {
    const principal = request.principal;
    if (principal === undefined) {
      socket.close(1008, 'unauthenticated');
      return;
    }
    const send = (message: unknown): void => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const unsubscribe = deps.service.host.subscribe((event: EngineEvent) => {
      if ('accountId' in event) {
        if (!canSeeAccount(principal, event.accountId)) return;
        send({ type: 'event', event });
        try {
          send({ type: 'margin', margin: deps.service.engine.margin(event.accountId) });
        } catch {
          // The event is delivered; a margin the engine cannot report yet (the change is still being applied) is not.
        }
      } else if (principal.key.role !== 'account-holder') {
        send({ type: 'event', event });
      }
    });
    const stopLiquidation = deps.liquidation?.subscribe((event) => {
      if (canSeeAccount(principal, event.accountId)) send({ type: 'event', event });
    });
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const engine = deps.service.engine;
      const margins = [...pending].map((id) => marginSummary(engine, id));
      pending.clear();
      if (margins.length > 0) send({ type: 'margins', margins });
    };
    const stopMargins = deps.service.onMarginsChanged((ids) => {
      for (const id of ids) if (canSeeAccount(principal, id)) pending.add(id);
      if (pending.size > 0 && timer === undefined) timer = setTimeout(flush, MARGINS_FLUSH_MS);
    });
    const stop = (): void => {
      unsubscribe();
      stopLiquidation?.();
      stopMargins();
      clearTimeout(timer);
    };
    socket.on('close', stop);
    socket.on('error', stop);
    send({ type: 'hello', keyId: principal.key.id, role: principal.key.role });
  });
}
