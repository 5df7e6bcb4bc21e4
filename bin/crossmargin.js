#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (npm run build).
import { runCli } from '../dist/src/cli/main.js';

// A reader that stops early (`crossmargin stress --help | head`) closes the pipe: that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCli(process.argv);
