import { dialectTypes, type Migration } from './migration.js';

/**
 * Version 3: positions may carry their average entry price (futures and perpetuals: equity then counts unrealised
 * P&L from it, docs/accounts.md "Entry price"). Nullable: positions stored before have none.
 */
export const positionEntryPrice: Migration = {
  version: 3,
  name: 'position entry price',
  statements(dialect) {
    const { float } = dialectTypes(dialect);
    return [`ALTER TABLE positions ADD COLUMN entry_price ${float}`];
  },
};
