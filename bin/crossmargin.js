#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (npm run build); src/app/ adds the commands that start the server.
import { runCrossmargin } from '../dist/src/app/run-crossmargin.js';

// A reader that stops early (`crossmargin stress --help | head`) closes the pipe: that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await runCrossmargin(process.argv);
