import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CrossmarginError, toCrossmarginError } from '../core/errors.js';
import { packageRoot } from '../market/package-root.js';
import { processIo, type CliIo } from './cli-io.js';
import { withFlagNames } from './field-flags.js';
import { registerAccountCommand } from './commands/account-command.js';
import { registerBacktestCommand } from './commands/backtest-command.js';
import { registerBookCommand } from './commands/book-command.js';
import { registerCalibrateCommand } from './commands/calibrate-command.js';
import { registerCascadeCommand } from './commands/cascade-command.js';
import { registerCompareCommand } from './commands/compare-command.js';
import { registerCrifCommand } from './commands/crif-command.js';
import { registerLiquidateCommand } from './commands/liquidate-command.js';
import { registerMarginCommand } from './commands/margin-command.js';
import { registerModelsCommand } from './commands/models-command.js';
import { registerPriceCommand } from './commands/price-command.js';
import { registerSamplesCommand } from './commands/samples-command.js';
import { registerSchemaCommand } from './commands/schema-command.js';
import { registerSimmCommand } from './commands/simm-command.js';
import { registerSnapshotCommand } from './commands/snapshot-command.js';
import { registerSpanFileCommand } from './commands/span-file-command.js';
import { registerStressCommand } from './commands/stress-command.js';
import { registerValidateCommand } from './commands/validate-command.js';
import { registerWhatIfCommand } from './commands/what-if-command.js';
import { registerKeysCommand } from './commands/keys-command.js';

/** The version of package.json (what `--version` prints). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * An unknown first word is refused before commander parses: commander would print the root help with exit 0 for
 * `crossmargin nope --help`, which reads as if `nope` existed.
 */
function checkCommandName(program: Command, argv: readonly string[]): void {
  const word = argv[2];
  if (word === undefined || word.startsWith('-') || word === 'help') return;
  const known = program.commands.map((c) => c.name());
  if (known.includes(word) || program.commands.some((c) => c.aliases().includes(word))) return;
  throw new CrossmarginError('USAGE_INVALID', `unknown command "${word}"; the commands are: ${known.join(', ')} (crossmargin --help describes them)`, { field: 'command' });
}

/** Adds one command to the program (commander), writing through `io`. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export function buildProgram(io: CliIo, serverCommands: readonly RegisterCommand[] = []): Command {
  const program = new Command();
  program
    .name('crossmargin')
    .description('Portfolio cross-margining risk engine: margins under SPAN-like grids, simple rates and more')
    .showHelpAfterError('(run with --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the crossmargin version')
    .exitOverride()
    // The program's options (-V/--version, -h) are read before the command name only: `simm --version 2.6` is the
    // command's own option (the SIMM version), which the program would otherwise take as its version flag.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerMarginCommand(program, io);
  registerBookCommand(program, io);
  registerLiquidateCommand(program, io);
  registerCompareCommand(program, io);
  registerAccountCommand(program, io);
  registerBacktestCommand(program, io);
  registerModelsCommand(program, io);
  registerPriceCommand(program, io);
  registerSamplesCommand(program, io);
  registerSchemaCommand(program, io);
  registerSnapshotCommand(program, io);
  registerSpanFileCommand(program, io);
  registerValidateCommand(program, io);
  registerCalibrateCommand(program, io);
  registerCascadeCommand(program, io);
  registerCrifCommand(program, io);
  registerSimmCommand(program, io);
  // The server's commands (serve, worker, cluster-demo) come from the composition root (src/app/): the CLI does not
  // import the server, its sibling face. Registered here so that --help lists the commands in the same order.
  for (const register of serverCommands) register(program, io);
  registerStressCommand(program, io);
  registerWhatIfCommand(program, io);
  registerKeysCommand(program, io);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/**
 * Runs the CLI and returns the exit code (never throws, never prints a stack trace): catalogue errors print
 * `error [CODE]: message` (or a JSON error object with --json) and exit with the catalogue's exit code.
 * `serverCommands` are the commands that start the server (the composition root, src/app/, passes them).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo, serverCommands: readonly RegisterCommand[] = []): Promise<number> {
  const program = buildProgram(io, serverCommands);
  try {
    checkCommandName(program, argv);
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" only to commander; usage mistakes were already printed by it.
      return error.exitCode === 0 ? 0 : 2;
    }
    const e = withFlagNames(toCrossmarginError(error));
    if (argv.includes('--json')) io.err(`${JSON.stringify({ error: e.toJSON() })}\n`);
    else io.err(`error [${e.code}]: ${e.message}\n`);
    return e.exitCode;
  }
}
