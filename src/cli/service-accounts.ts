import { existsSync } from 'node:fs';
import { CrossmarginError } from '../core/errors.js';
import type { PortfolioInput } from '../models/compute-margin.js';
import { openStore } from '../store/open-store.js';

/**
 * The margin service's accounts as portfolio documents (DESIGN.md "Portfolio file"), read from its database
 * (`--db`: a SQLite path or `postgres://…`, as `crossmargin serve --db`), so stress tests and cascades can run on
 * the live population. Reads only; the store is opened (and migrated if it is older) and closed again.
 */
export async function readServiceAccounts(db: string): Promise<PortfolioInput[]> {
  // openStore would create a missing SQLite file: a mistyped path must not read as an empty service.
  if (!/^postgres(ql)?:\/\//.test(db) && !existsSync(db)) throw new CrossmarginError('FILE_NOT_FOUND', `--db: ${db}: no such database file`, { field: '--db' });
  const store = await openStore(db);
  try {
    const accounts = await store.listAccounts();
    return await Promise.all(
      accounts.map(async (a): Promise<PortfolioInput> => {
        const [positions, collateral] = await Promise.all([store.listPositions(a.id), store.listCollateral(a.id)]);
        return {
          document: {
            account: a.id,
            currency: a.currency,
            mode: a.mode,
            positions: positions.map((p) => ({ instrument: p.instrument, quantity: p.quantity, ...(p.entryPrice === undefined ? {} : { entryPrice: p.entryPrice }) })),
            collateral: Object.fromEntries(collateral.map((c) => [c.currency, c.amount])),
          },
          source: `${db}: account ${a.id}`,
        };
      }),
    );
  } finally {
    await store.close();
  }
}
