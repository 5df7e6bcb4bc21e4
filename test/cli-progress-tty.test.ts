import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFiles } from './cli-helpers.js';

// Progress bars are drawn only when stderr is a terminal, and a bar left running after an error keeps the process
// alive (its redraw timer). util-linux `script` gives the CLI a pseudo-terminal; without it these tests cannot run.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const skipNote = hasScript ? '' : ' (SKIPPED: util-linux `script` is not installed, so no pseudo-terminal can be made)';

/** Runs the compiled CLI on a pseudo-terminal; `code` is null when it had to be killed after `timeoutMs`. */
function onTerminal(args: string, timeoutMs = 20_000): { code: number | null; out: string } {
  const run = spawnSync('script', ['-qec', `node bin/crossmargin.js ${args}`, '/dev/null'], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

const backtest = 'backtest --portfolio samples/crypto-mixed/portfolio.json --from 2024-12-01 --to 2024-12-10 --models scenario-grid,deribit-sm';

describe(`progress bars on a terminal${skipNote}`, () => {
  it.skipIf(!hasScript)('backtest: an error after the bar started exits with its coded error instead of hanging', () => {
    // scenario-grid fills half the bar, deribit-sm fails inside it, then the report cannot be written.
    const report = join(tempFiles().dir, 'no-such-folder', 'report.html');
    const run = onTerminal(`${backtest} --report ${report}`);
    expect(run.code, `killed after 20 s, i.e. hung; output:\n${run.out}`).toBe(3);
    expect(run.out).toContain('backtesting'); // the bar was really drawn
    expect(run.out).toMatch(/error \[FILE_UNWRITABLE\]: .*report\.html: cannot write/);
  });

  it.skipIf(!hasScript)('backtest: a model that cannot take the book no longer stops the run on a terminal', () => {
    const run = onTerminal(backtest);
    expect(run.code, `killed after 20 s, i.e. hung; output:\n${run.out}`).toBe(0);
    expect(run.out).toMatch(/deribit-sm .*error \[INSTRUMENT_SPEC_INVALID\]/);
  });
});
