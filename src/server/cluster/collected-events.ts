import type { EngineEvent, EventSink } from '../../engine/live/engine-event.js';

/**
 * The event sink of a worker's engine: events are kept until the worker takes them, after the input or market update
 * that made them, to publish them under ids derived from that input (so a replay makes the same ids).
 */
export class CollectedEvents implements EventSink {
  private events: EngineEvent[] = [];

  append(event: EngineEvent): void {
    this.events.push(event);
  }

  /** The events made since the last take, in order. */
  take(): EngineEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }
}
