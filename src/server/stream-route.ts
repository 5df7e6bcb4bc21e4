import type { FastifyInstance } from 'fastify';
import type { EngineEvent } from '../engine/live/engine-event.js';
import { canSeeAccount } from './authenticate.js';
import type { MarginService } from './margin-service.js';

export interface StreamDeps {
  readonly service: MarginService;
}

/**
 * `GET /stream?key=<api key>` (WebSocket). Pushes, as JSON text messages:
 * - `{"type":"event","event":{…}}` for every engine event after it was persisted (state transitions, margin calls,
 *   liquidations; spike-guard events for admin and risk officer only), and
 * - `{"type":"margin","margin":{…}}` right after an account event: the account's current margin.
 * An account holder receives only its own accounts. A first `{"type":"hello",…}` message confirms the subscription.
 */
export function registerStreamRoute(app: FastifyInstance, deps: StreamDeps): void {
  app.get('/stream', { websocket: true, schema: { hide: true } }, (socket, request) => {
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
    socket.on('close', unsubscribe);
    socket.on('error', unsubscribe);
    send({ type: 'hello', keyId: principal.key.id, role: principal.key.role });
  });
}
