/** The `ws` client (a dependency of @fastify/websocket; Node 20 has no global WebSocket), typed as far as tests use it. */
export interface WsClient {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'open' | 'close', listener: () => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
export type WsConstructor = new (url: string, protocols?: string[]) => WsClient;

/** The `ws` package's client class. */
export async function loadWsClient(): Promise<WsConstructor> {
  return ((await import('ws' as string)) as { default: WsConstructor }).default;
}
