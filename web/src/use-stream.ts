import { useEffect, useRef, useState } from 'react';
import type { MarginSummary } from './api.js';

export type StreamStatus = 'connecting' | 'live' | 'closed';

interface StreamHandlers {
  /** Fresh overview rows of recomputed accounts (`margins` messages, coalesced by the server). */
  onMargins?: (rows: MarginSummary[]) => void;
  /**
   * Engine events (state transitions, margin calls, liquidations, staleness, spikes); on a cluster gateway with the
   * partition that published them ('market' for the market's).
   */
  onEvent?: (event: Record<string, unknown>, partition: number | 'market' | undefined) => void;
}

/**
 * The key travels as a WebSocket sub-protocol (`cmk.<key>`, next to `crossmargin.v1`, the one the server answers with):
 * the only header a page may set on a WebSocket. Never in the URL, which servers and proxies log.
 */
const STREAM_PROTOCOLS = (key: string): string[] => ['crossmargin.v1', `cmk.${key}`];

/**
 * Subscribes to the service's WebSocket (`/stream`) and reconnects with back-off when it drops. The handlers may
 * change between renders without reconnecting.
 */
export function useStream(key: string, handlers: StreamHandlers): StreamStatus {
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    let socket: WebSocket | undefined;
    let retry: number | undefined;
    let delay = 500;
    let stopped = false;
    const connect = (): void => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      try {
        socket = new WebSocket(`${scheme}://${window.location.host}/stream`, STREAM_PROTOCOLS(key));
      } catch {
        // A key with characters no protocol token may hold (pasted with a space): it cannot be valid; no retry.
        setStatus('closed');
        return;
      }
      setStatus('connecting');
      socket.onmessage = (message) => {
        const data = JSON.parse(String(message.data)) as { type: string; margins?: MarginSummary[]; event?: Record<string, unknown>; partition?: number | 'market' };
        if (data.type === 'hello') {
          setStatus('live');
          delay = 500;
        } else if (data.type === 'margins' && data.margins !== undefined) ref.current.onMargins?.(data.margins);
        else if (data.type === 'event' && data.event !== undefined) ref.current.onEvent?.(data.event, data.partition);
      };
      socket.onclose = () => {
        setStatus('closed');
        if (stopped) return;
        retry = window.setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      socket?.close();
    };
  }, [key]);
  return status;
}
