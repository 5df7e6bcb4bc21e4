import { processIo, type CliIo } from '../cli/cli-io.js';
import { runCli, type RegisterCommand } from '../cli/main.js';
import { registerClusterDemoCommand } from './commands/cluster-demo-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';

/*
 * The composition root (docs/architecture.md "Layers"): the one place that sees both faces, so the CLI can offer the
 * commands that start the server (serve, worker, cluster-demo) without importing the server itself.
 */

/** The commands that start the server, in the order `crossmargin --help` lists them. */
export const SERVER_COMMANDS: readonly RegisterCommand[] = [registerServeCommand, registerWorkerCommand, registerClusterDemoCommand];

/** `crossmargin …` (bin/crossmargin.js): the CLI with the server's commands; returns the exit code. */
export function runCrossmargin(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  return runCli(argv, io, SERVER_COMMANDS);
}
