import { initialSchema } from './initial-schema.js';
import { liquidationState } from './liquidation-state.js';
import type { Migration } from './migration.js';
import { marketEngineState } from './market-engine-state.js';
import { positionEntryPrice } from './position-entry-price.js';
import { staleEvents } from './stale-events.js';

/** Every migration, in version order. Append new ones; never edit or reorder released ones. */
export const STORE_MIGRATIONS: readonly Migration[] = [initialSchema, staleEvents, positionEntryPrice, marketEngineState, liquidationState];
