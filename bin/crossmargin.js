#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript (npm run build).
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv);
