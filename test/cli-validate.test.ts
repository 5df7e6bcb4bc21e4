import { describe, expect, it } from 'vitest';
import { cli, tempFiles } from './cli-helpers.js';

/**
 * The MathWorks varbacktest example as 0/1 lines (backtesting.md §2–§4): T = 1043, 57 exceptions at 95 %, first on
 * day 58, transition counts n00 932, n01 53, n10 53, n11 4.
 */
function mathworksLines(): string[] {
  const s: number[] = new Array<number>(57).fill(0);
  for (let b = 0; b < 53; b++) {
    if (b > 0) s.push(...new Array<number>(17).fill(0));
    s.push(...(b < 4 ? [1, 1] : [1]));
  }
  while (s.length < 1043) s.push(0);
  return s.map(String);
}

/** A P&L / VaR / ES file: VaR 10, ES 12; every 20th day loses 15 (an exception), the others alternate −2 / +3. */
function seriesCsv(days: number, header = 'date,pnl,var,es'): string {
  const lines = [header];
  for (let t = 0; t < days; t++) {
    const pnl = t % 20 === 19 ? -15 : t % 2 === 0 ? -2 : 3;
    const row: Record<string, string> = { date: `d${t}`, pnl: String(pnl), var: '10', es: '12', es_var: '8', margin: String(10 + (t % 3)) };
    lines.push(header.split(',').map((c) => row[c] ?? '').join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('crossmargin validate', () => {
  it('indicator file: reproduces the published POF, TUFF, Christoffersen vectors (JSON)', async () => {
    const files = tempFiles();
    const path = files.write('exceptions.csv', `${mathworksLines().join('\n')}\n`);
    const r = await cli('validate', '--exceptions', path, '--coverage', '0.95', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ source: path, form: 'indicators', T: 1043, exceptions: 57, coverage: 0.95 });
    expect(j.pof.stat).toBeCloseTo(0.46147, 5);
    expect(j.pof.p).toBeCloseTo(0.49694, 5);
    expect(j.tuff.v).toBe(58);
    expect(j.tuff.stat).toBeCloseTo(1.7354, 4);
    expect(j.tuff.p).toBeCloseTo(0.18773, 5);
    expect(j.independence.counts).toEqual({ n00: 932, n01: 53, n10: 53, n11: 4 });
    expect(j.independence.stat).toBeCloseTo(0.25866, 5);
    expect(j.independence.p).toBeCloseTo(0.61104, 5);
    expect(j.conditionalCoverage.stat).toBeCloseTo(0.72013, 5);
    expect(j.conditionalCoverage.p).toBeCloseTo(0.69763, 5);
    expect(j.trafficLight.window).toBe(250);
    expect(j.acerbiSzekely).toBeUndefined();
  });

  it('a p-value below a thousandth prints as <0.001 (the JSON keeps the number)', async () => {
    const files = tempFiles();
    // 60 exceptions in 300 days at 99 % coverage: far too many, POF rejects with a vanishing p-value.
    const path = files.write('many.csv', `${Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? '1' : '0')).join('\n')}\n`);
    const r = await cli('validate', '--exceptions', path, '--coverage', '0.99');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Kupiec POF, χ²\(1\)\s+[\d.,]+\s+<0\.001\s+rejected/);
    const j = JSON.parse((await cli('validate', '--exceptions', path, '--coverage', '0.99', '--json')).out) as { pof: { p: number } };
    expect(j.pof.p).toBeGreaterThan(0);
    expect(j.pof.p).toBeLessThan(1e-3);
  });

  it('indicator file: prints a table by default', async () => {
    const files = tempFiles();
    const path = files.write('exceptions.csv', `${mathworksLines().join('\r\n')}\r\n`);
    const r = await cli('validate', '--exceptions', path, '--coverage', '0.95');
    expect(r.code).toBe(0);
    expect(r.out).toContain('1043 days of 0/1 exception indicators, VaR coverage 95 %; 57 exceptions');
    expect(r.out).toMatch(/Kupiec POF, χ²\(1\)\s+0\.46147\s+0\.497\s+not rejected/);
    expect(r.out).toMatch(/Kupiec TUFF, χ²\(1\) \(first on day 58\)\s+1\.7354\s+0\.188/);
    expect(r.out).toMatch(/Christoffersen independence, χ²\(1\)\s+0\.25866\s+0\.611/);
    expect(r.out).toMatch(/conditional coverage, χ²\(2\)\s+0\.72013\s+0\.698/);
    expect(r.out).toContain('transitions: n00 932, n01 53, n10 53, n11 4');
    expect(r.out).toMatch(/traffic light \(last 250 days\): (green|yellow|red)/);
  });

  it('Basel traffic light at the default 99 % coverage', async () => {
    const files = tempFiles();
    const lines = new Array<string>(250).fill('0');
    for (const t of [10, 50, 90, 130, 170, 210, 240]) lines[t] = '1';
    const r = await cli('validate', '--exceptions', files.write('seven.csv', lines.join('\n')), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).trafficLight).toMatchObject({ zone: 'yellow', exceptions: 7, plus: 0.65, multiplier: 3.65 });
  });

  it('series file: columns in any order, extra columns ignored, exceptions are loss > VaR', async () => {
    const files = tempFiles();
    const path = files.write('series.csv', seriesCsv(500, 'var,note,pnl'));
    const r = await cli('validate', '--exceptions', path, '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ form: 'series', T: 500, exceptions: 25, averageMargin: 10 });
    expect(j.acerbiSzekely).toBeUndefined();
    expect(j.procyclicality).toEqual({ peakToTrough: 1, max1Day: 1, max30Day: 1 });
    // Loss days: 250 days of −2 and 25 of −15 → Σ loss 875, Σ margin 2750.
    expect(j.coverageRatio).toBeCloseTo(2750 / 875, 12);
  });

  it('series file with es at the same level: Z1 and Z2 in the table and JSON', async () => {
    const files = tempFiles();
    const path = files.write('es.csv', seriesCsv(400));
    const json = JSON.parse((await cli('validate', '--exceptions', path, '--coverage', '0.975', '--json')).out);
    // 20 exceedances of −15 against ES 12: Z1 = 1 − 15/12 = −0.25, Z2 = 1 − 20·1.25/(400·0.025) = −1.5.
    expect(json.acerbiSzekely).toMatchObject({ alpha: 0.025, exceedances: 20 });
    expect(json.acerbiSzekely.z1).toBeCloseTo(-0.25, 12);
    expect(json.acerbiSzekely.z2).toBeCloseTo(-1.5, 12);
    const table = await cli('validate', '--exceptions', path, '--coverage', '0.975');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/Acerbi–Szekely Z1 \(20 exceedances\)\s+-0\.25/);
    expect(table.out).toMatch(/Acerbi–Szekely Z2\s+-1\.5/);
    expect(table.out).toContain('margin: average 10');
  });

  it('es at 97.5 % but VaR at 99 %: Z1/Z2 need es_var, otherwise a note explains', async () => {
    const files = tempFiles();
    const without = await cli('validate', '--exceptions', files.write('a.csv', seriesCsv(200)));
    expect(without.code).toBe(0);
    expect(without.out).toContain('note: Acerbi–Szekely Z1/Z2 not computed: they need VaR at the ES level 97.5 %');
    const withEsVar = await cli('validate', '--exceptions', files.write('b.csv', seriesCsv(200, 'pnl,var,es,es_var,margin')), '--json');
    const j = JSON.parse(withEsVar.out);
    expect(j.acerbiSzekely.exceedances).toBe(10);
    expect(j.notes).toEqual([]);
    expect(j.averageMargin).toBeCloseTo((10 * 67 + 11 * 67 + 12 * 66) / 200, 12);
  });

  it('--z2-null simulates the Z2 critical value (deterministic in --seed)', async () => {
    const files = tempFiles();
    const path = files.write('es.csv', seriesCsv(400));
    const args = ['validate', '--exceptions', path, '--coverage', '0.975', '--z2-null', 't3', '--simulations', '2000', '--seed', '7'];
    const a = JSON.parse((await cli(...args, '--json')).out);
    const b = JSON.parse((await cli(...args, '--json')).out);
    expect(a.acerbiSzekely.critical).toEqual(b.acerbiSzekely.critical);
    expect(a.acerbiSzekely.critical).toMatchObject({ level: 0.95, distribution: { t: 3 }, simulations: 2000, seed: 7, rejected: true });
    expect(a.acerbiSzekely.critical.value).toBeLessThan(0);
    const table = await cli(...args);
    expect(table.out).toMatch(/Acerbi–Szekely Z2\s+-1\.5\s+-\s+rejected \(critical -0\.\d+\)/);
    expect(table.out).toContain('from 2000 simulations under a Student-t ν = 3 null (seed 7)');
  });

  it('--help lists the options', async () => {
    const r = await cli('validate', '--help');
    expect(r.code).toBe(0);
    for (const o of ['--exceptions', '--coverage', '--es-alpha', '--test-level', '--z2-null', '--simulations', '--seed', '--json']) expect(r.out).toContain(o);
    for (const o of ['--window <days>', '--full', '--horizon <days>']) expect(r.out).toContain(o);
  });

  it('--window N and --full choose the traffic-light window; the zones are computed for it', async () => {
    const files = tempFiles();
    const path = files.write('exceptions.csv', `${mathworksLines().join('\n')}\n`);
    const byDefault = JSON.parse((await cli('validate', '--exceptions', path, '--json')).out);
    expect(byDefault.trafficLight).toMatchObject({ window: 250, yellowFrom: 5, redFrom: 10 });
    const w500 = JSON.parse((await cli('validate', '--exceptions', path, '--window', '500', '--json')).out);
    expect(w500.trafficLight).toMatchObject({ window: 500, yellowFrom: 9, redFrom: 15 });
    // Nothing else moves with the window.
    expect({ ...w500, trafficLight: undefined }).toEqual({ ...byDefault, trafficLight: undefined });
    const full = await cli('validate', '--exceptions', path, '--full');
    expect(full.code).toBe(0);
    expect(full.out).toMatch(/traffic light \(all 1043 days\): red, 57 exceptions.*zones for 1043 days: green ≤ 15, yellow 16–23, red ≥ 24/);
    const text = await cli('validate', '--exceptions', path);
    expect(text.out).toMatch(/traffic light \(last 250 days\): red, 12 exceptions.*zones for 250 days: green ≤ 4, yellow 5–9, red ≥ 10/);
  });

  it('states the windowing of the independence tests; --horizon h tests every h-th row', async () => {
    const files = tempFiles();
    // Exceptions in runs of 5 (what overlapping 5-day P&L does to one large move), one run every 100 rows.
    const lines = Array.from({ length: 1000 }, (_, t) => (t % 100 >= 40 && t % 100 < 45 ? '1' : '0'));
    const path = files.write('runs.csv', `${lines.join('\n')}\n`);
    const daily = await cli('validate', '--exceptions', path, '--coverage', '0.95');
    expect(daily.out).toContain('independence and conditional coverage on every day: 1-day windows do not overlap (1000 days)');
    expect(daily.out).toMatch(/Christoffersen independence, χ²\(1\)\s+[\d.,]+\s+<0\.001\s+rejected/);
    const h5 = await cli('validate', '--exceptions', path, '--coverage', '0.95', '--horizon', '5');
    expect(h5.out).toContain('independence and conditional coverage on non-overlapping 5-day windows: every 5th day from the first (200 of 1000 days), 10 exceptions');
    expect(h5.out).toMatch(/Christoffersen independence, χ²\(1\)\s+[\d.,]+\s+[\d.]+\s+not rejected/);
    const j = JSON.parse((await cli('validate', '--exceptions', path, '--coverage', '0.95', '--horizon', '5', '--json')).out);
    expect(j.independenceWindowing).toMatchObject({ kind: 'non-overlapping', horizon: 5, observations: 200, exceptions: 10 });
    expect(j.exceptions).toBe(50); // POF and the traffic light still count every row
  });
});

describe('crossmargin validate: bad input', () => {
  async function fails(content: string, ...extra: string[]): Promise<{ code: number; err: string }> {
    const files = tempFiles();
    const r = await cli('validate', '--exceptions', files.write('bad.csv', content), ...extra);
    expect(r.out).toBe('');
    return r;
  }

  it('an indicator other than 0/1 names the line', async () => {
    const r = await fails('0\n0\n2\n0\n');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/error \[SCHEMA_INVALID\]: .*bad\.csv row 3 \(line 3\), column indicator: exception indicator must be 0 or 1 \(got "2"\)/);
  });

  it('a non-number or a second field in the indicator form is CSV_MALFORMED naming the line', async () => {
    expect((await fails('0\n1\nyes\n')).err).toMatch(/CSV_MALFORMED.*line 3.*not a number/);
    expect((await fails('0\n\n1,0\n')).err).toMatch(/CSV_MALFORMED.*line 3.*expected one 0\/1 value per line, got 2 fields/);
  });

  it('a missing field names line and column', async () => {
    const r = await fails('pnl,var,es\n1,2,3\n-4,5\n');
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/CSV_MALFORMED.*bad\.csv row 2 \(line 3\), column es: missing/);
  });

  it('an extra field is CSV_MALFORMED naming the line', async () => {
    expect((await fails('pnl,var\n1,2\n1,2,3\n')).err).toMatch(/CSV_MALFORMED.*line 3.*extra field/);
  });

  it('an unparsable number names line and column', async () => {
    expect((await fails('pnl,var\n1,2\nabc,2\n')).err).toMatch(/CSV_MALFORMED.*row 2 \(line 3\), column pnl: not a number \(got "abc"\)/);
  });

  it('NaN or negative VaR is rejected naming line and column', async () => {
    expect((await fails('pnl,var\n1,NaN\n')).err).toMatch(/CSV_MALFORMED.*line 2\), column var: not a number \(got "NaN"\)/);
    expect((await fails('pnl,var\n1,2\n1,-2\n')).err).toMatch(/SCHEMA_INVALID.*line 3\), column var: VaR must be ≥ 0/);
    expect((await fails('pnl,var\n1,\n')).err).toMatch(/CSV_MALFORMED.*column var: not a number/);
  });

  it('ES ≤ 0 and negative margin are rejected', async () => {
    expect((await fails('pnl,var,es\n1,2,0\n')).err).toMatch(/SCHEMA_INVALID.*column es: ES must be > 0/);
    expect((await fails('pnl,var,margin\n1,2,-1\n')).err).toMatch(/SCHEMA_INVALID.*column margin: margin must be ≥ 0/);
  });

  it('a header without pnl or var, an empty file, a header without rows', async () => {
    expect((await fails('profit,var\n1,2\n')).err).toMatch(/CSV_MALFORMED.*header column pnl: missing/);
    expect((await fails('pnl,var,var\n1,2,3\n')).err).toMatch(/CSV_MALFORMED.*header column var: appears twice/);
    expect((await fails('')).err).toMatch(/CSV_MALFORMED.*empty file/);
    expect((await fails('pnl,var\n')).err).toMatch(/CSV_MALFORMED.*no data rows/);
  });

  it('JSON error output with --json', async () => {
    const r = await fails('0\n3\n', '--json');
    const e = JSON.parse(r.err).error;
    expect(e.code).toBe('SCHEMA_INVALID');
    expect(e.details).toMatchObject({ line: 2, column: 'indicator', value: '3' });
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    const r = await cli('validate', '--exceptions', '/nonexistent/exceptions.csv');
    expect(r.code).toBe(3);
    expect(r.err).toContain('FILE_NOT_FOUND');
  });

  it('bad options are USAGE_INVALID (exit 2)', async () => {
    const files = tempFiles();
    const ind = files.write('ind.csv', '0\n1\n0\n');
    const series = files.write('series.csv', 'pnl,var,es\n1,2,3\n');
    for (const [args, pattern] of [
      [['--coverage', '1.5'], /--coverage: "1\.5" is not a number strictly between 0 and 1/],
      [['--coverage', 'abc'], /--coverage/],
      [['--test-level', '0'], /--test-level/],
      [['--simulations', '10'], /--simulations: only applies with --z2-null/],
      [['--es-alpha', '0.025'], /--es-alpha: needs a file with pnl, var and es columns/],
    ] as const) {
      const r = await cli('validate', '--exceptions', ind, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/USAGE_INVALID/);
      expect(r.err).toMatch(pattern);
    }
    for (const args of [['--z2-null', 'cauchy'], ['--z2-null', 't1'], ['--z2-null', 'normal', '--simulations', '0'], ['--es-alpha', '2']]) {
      const r = await cli('validate', '--exceptions', series, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/USAGE_INVALID/);
    }
  });

  it('bad --window / --full: coded errors naming the flag', async () => {
    const files = tempFiles();
    const ind = files.write('ind.csv', `${new Array<string>(300).fill('0').join('\n')}\n`);
    const short = files.write('short.csv', '0\n0\n0\n');
    for (const [path, args, pattern] of [
      [ind, ['--window', '5'], /^error \[USAGE_INVALID\]: --window: must be a whole number of days ≥ 6 \(the shortest window whose binomial zones have a green zone at p = 0\.01\), got 5/],
      [ind, ['--window', '301'], /^error \[USAGE_INVALID\]: --window: 301 days is more than the 300 days available/],
      [ind, ['--window', '12.5'], /^error \[USAGE_INVALID\]: --window: "12\.5" is not a whole number of days/],
      [ind, ['--window', '250', '--full'], /^error \[USAGE_INVALID\]: --window: cannot be combined with --full/],
      [short, ['--full'], /^error \[USAGE_INVALID\]: --full: the full sample has 3 days, fewer than 6/],
      [ind, ['--horizon', '0'], /^error \[USAGE_INVALID\]: --horizon/],
    ] as const) {
      const r = await cli('validate', '--exceptions', path, ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(pattern);
    }
    const json = await cli('validate', '--exceptions', ind, '--window', '5', '--json');
    expect(JSON.parse(json.err).error).toMatchObject({ code: 'USAGE_INVALID', field: '--window' });
  });

  it('a missing --exceptions is a usage error', async () => {
    const r = await cli('validate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--exceptions');
  });
});
