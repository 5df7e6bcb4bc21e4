// Child process of the kill -9 durability test (sqlite-store.test.ts): applies trades of +1 to one position and
// prints "ACK i" only after trade i is committed, exactly as the server acknowledges a request. The parent kills it
// with SIGKILL mid-stream and checks that every acknowledged trade is in the database.
// Plain JS importing better-sqlite3 directly because the tests run from TypeScript sources, which node cannot load;
// the pragmas and statements mirror SQLITE_PRAGMAS and SqlStore.applyTrade.
import Database from 'better-sqlite3';

const [dbPath, accountId, count] = process.argv.slice(2);
const db = new Database(dbPath);
for (const pragma of ['journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', 'busy_timeout = 5000']) db.pragma(pragma);

const claim = db.prepare(
  `INSERT INTO trades (account_id, idempotency_key, instrument, quantity, position, at) VALUES (?, ?, ?, ?, NULL, ?)
   ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING idempotency_key`,
);
const bump = db.prepare(
  `INSERT INTO positions (account_id, instrument, quantity) VALUES (?, ?, ?)
   ON CONFLICT (account_id, instrument) DO UPDATE SET quantity = positions.quantity + excluded.quantity RETURNING quantity`,
);
const record = db.prepare('UPDATE trades SET position = ? WHERE account_id = ? AND idempotency_key = ?');

const applyTrade = db.transaction((key) => {
  if (claim.all(accountId, key, 'BTC-PERPETUAL', 1, new Date().toISOString()).length === 0) return;
  const [row] = bump.all(accountId, 'BTC-PERPETUAL', 1);
  record.run(row.quantity, accountId, key);
});
// better-sqlite3's transaction() uses a deferred BEGIN; IMMEDIATE matches the store.
const applyTradeImmediate = applyTrade.immediate;

for (let i = 0; i < Number(count); i++) {
  applyTradeImmediate(`kill-${i}`);
  process.stdout.write(`ACK ${i}\n`);
}
db.close();
