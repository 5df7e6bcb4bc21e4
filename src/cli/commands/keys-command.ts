import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CrossmarginError } from '../../core/errors.js';
import { DEFAULT_SQLITE_FILE, openStore } from '../../store/open-store.js';
import type { ApiKeyRecord, ApiKeyRole, NewAuditEntry, Store } from '../../store/store.js';
import type { CliIo } from '../cli-io.js';
import { formatTable } from '../format-table.js';

const ROLES: readonly ApiKeyRole[] = ['admin', 'risk-officer', 'account-holder'];

/** Who the audit log names for a change made from the command line (no API key made it). */
const CLI_ACTOR = 'cli';

interface DbOption {
  db: string;
}

/**
 * Opens the service's database. A SQLite file must exist already: openStore would create an empty one, and a key
 * written into a mistyped path would never reach the service.
 */
async function openServiceStore(db: string): Promise<Store> {
  const sqlite = !/^postgres(ql)?:\/\//i.test(db);
  const file = db.replace(/^sqlite:(\/\/)?/, '');
  if (sqlite && file !== ':memory:' && !existsSync(file)) {
    throw new CrossmarginError('FILE_NOT_FOUND', `--db: ${db}: no such database file (\`crossmargin serve --db ${db}\` creates it)`, { field: '--db' });
  }
  return openStore(db);
}

async function withStore<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openServiceStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function audit(action: string, target: string, payload: unknown): NewAuditEntry {
  return { keyId: CLI_ACTOR, action, target, payload, at: new Date().toISOString() };
}

/** `--account ID` repeats. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Keys as a table: never a secret (the store keeps only a keyed digest of it anyway). */
export function formatKeys(keys: readonly ApiKeyRecord[]): string {
  if (keys.length === 0) return 'no API keys\n';
  return formatTable(
    ['id', 'role', 'accounts', 'label', 'created', 'revoked'],
    keys.map((k) => [k.id, k.role, k.accountIds.length === 0 ? '-' : k.accountIds.join(','), k.label ?? '-', k.createdAt, k.revokedAt ?? '-']),
  );
}

export function registerKeysCommand(program: Command, io: CliIo): void {
  const keys = program
    .command('keys')
    .description("manage the margin service's API keys in its database (e.g. a new admin key when the first one is lost)")
    .addHelpText(
      'after',
      '\nExamples:\n  crossmargin keys create --role admin --db crossmargin.db        # prints the new key once\n' +
        '  crossmargin keys create --role account-holder --account fund-1 --label "fund 1" --db crossmargin.db\n' +
        '  crossmargin keys list --db crossmargin.db\n' +
        '  crossmargin keys revoke 0f1e2d3c4b5a6978 --db crossmargin.db     # an id from keys list',
    );

  keys
    .command('create')
    .description('create an API key and print it once (only a digest of it is stored: it cannot be shown again)')
    .requiredOption('--role <role>', `what the key may do: ${ROLES.join(' | ')} (docs/service.md "Roles")`)
    .option('--account <id>', 'an account an account-holder key owns (must exist); repeat for several', collect)
    .option('--label <text>', 'a note saying whose or what the key is')
    .option('--db <path-or-url>', `the service's SQLite file or postgres:// URL (as serve --db)`, DEFAULT_SQLITE_FILE)
    .option('--json', 'print the key record and the key as JSON')
    .addHelpText('after', '\nExample (a lost admin key):\n  crossmargin keys create --role admin --db crossmargin.db')
    .action(async (opts: DbOption & { role: string; account?: string[]; label?: string; json?: boolean }) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) {
        throw new CrossmarginError('USAGE_INVALID', `--role: "${opts.role}" is not one of ${ROLES.join(', ')}`, { field: '--role' });
      }
      const role = opts.role as ApiKeyRole;
      const accounts = opts.account ?? [];
      if (accounts.length > 0 && role !== 'account-holder') {
        throw new CrossmarginError('USAGE_INVALID', `--account: only an account-holder key owns accounts (an ${role} key covers every account)`, { field: '--account' });
      }
      const created = await withStore(opts.db, (store) =>
        store.createApiKey({ role, ...(accounts.length === 0 ? {} : { accountIds: accounts }), ...(opts.label === undefined ? {} : { label: opts.label }) }, (record) =>
          audit('key.create', record.id, { role, accountIds: record.accountIds, label: opts.label }),
        ),
      );
      if (opts.json === true) {
        io.out(`${JSON.stringify({ ...created.record, key: created.plaintext }, undefined, 2)}\n`);
        return;
      }
      io.out(`${created.plaintext}\n`);
      io.err(`created ${role} key ${created.record.id}: shown once, keep it (only a digest of it is stored)\n`);
    });

  keys
    .command('list')
    .description('list the API keys: ids, roles, accounts, labels, created and revoked times (never secrets)')
    .option('--db <path-or-url>', `the service's SQLite file or postgres:// URL (as serve --db)`, DEFAULT_SQLITE_FILE)
    .option('--json', 'print the key records as JSON')
    .action(async (opts: DbOption & { json?: boolean }) => {
      const list = await withStore(opts.db, (store) => store.listApiKeys());
      io.out(opts.json === true ? `${JSON.stringify(list, undefined, 2)}\n` : formatKeys(list));
    });

  keys
    .command('revoke')
    .description('revoke an API key by its id (see `keys list`): the running service refuses it from its next request')
    .argument('<id>', 'key id, as `keys list` shows it')
    .option('--db <path-or-url>', `the service's SQLite file or postgres:// URL (as serve --db)`, DEFAULT_SQLITE_FILE)
    .action(async (id: string, opts: DbOption) => {
      const record = await withStore(opts.db, (store) => store.revokeApiKey(id, new Date().toISOString(), audit('key.revoke', id, {})));
      io.out(`revoked ${record.role} key ${record.id} at ${record.revokedAt ?? ''}\n`);
    });
}
