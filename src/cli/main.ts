import { Command, CommanderError } from 'commander';
import { toCrossmarginError } from '../core/errors.js';
import { processIo, type CliIo } from './cli-io.js';
import { registerAccountCommand } from './commands/account-command.js';
import { registerBacktestCommand } from './commands/backtest-command.js';
import { registerBookCommand } from './commands/book-command.js';
import { registerCalibrateCommand } from './commands/calibrate-command.js';
import { registerCascadeCommand } from './commands/cascade-command.js';
import { registerCompareCommand } from './commands/compare-command.js';
import { registerLiquidateCommand } from './commands/liquidate-command.js';
import { registerMarginCommand } from './commands/margin-command.js';
import { registerModelsCommand } from './commands/models-command.js';
import { registerPriceCommand } from './commands/price-command.js';
import { registerSamplesCommand } from './commands/samples-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerSnapshotCommand } from './commands/snapshot-command.js';
import { registerStressCommand } from './commands/stress-command.js';
import { registerValidateCommand } from './commands/validate-command.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('crossmargin')
    .description('Portfolio cross-margining risk engine: margins under SPAN-like grids, simple rates and more')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
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
  registerSnapshotCommand(program, io);
  registerValidateCommand(program, io);
  registerCalibrateCommand(program, io);
  registerCascadeCommand(program, io);
  registerServeCommand(program, io);
  registerStressCommand(program, io);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/**
 * Runs the CLI and returns the exit code (never throws, never prints a stack trace): catalogue errors print
 * `error [CODE]: message` (or a JSON error object with --json) and exit with the catalogue's exit code.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" only to commander; usage mistakes were already printed by it.
      return error.exitCode === 0 ? 0 : 2;
    }
    const e = toCrossmarginError(error);
    if (argv.includes('--json')) io.err(`${JSON.stringify({ error: e.toJSON() })}\n`);
    else io.err(`error [${e.code}]: ${e.message}\n`);
    return e.exitCode;
  }
}
