import type { EngineEvent, EngineListener } from '../engine/live/engine-event.js';
import type { LiveEngine } from '../engine/live/live-engine.js';

/**
 * Holds the running LiveEngine and lets it be replaced (a parameter set activated for the engine's model needs a new
 * engine: parameters are fixed at construction). Listeners subscribe here once and keep receiving events across a
 * swap, so the WebSocket stream never has to know the engine changed.
 */
export class EngineHost {
  private current: LiveEngine;
  private unsubscribe: () => void;
  private readonly listeners = new Set<EngineListener>();

  constructor(engine: LiveEngine) {
    this.current = engine;
    this.unsubscribe = this.attach(engine);
  }

  get engine(): LiveEngine {
    return this.current;
  }

  /** Listens to persisted engine events of whichever engine runs. Returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Puts `engine` in place of the running one; events of the old one are no longer forwarded. */
  swap(engine: LiveEngine): void {
    this.unsubscribe();
    this.current = engine;
    this.unsubscribe = this.attach(engine);
  }

  private attach(engine: LiveEngine): () => void {
    return engine.subscribe((event: EngineEvent) => {
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch {
          // One failing listener (a closed socket) must not starve the others.
        }
      }
    });
  }
}
