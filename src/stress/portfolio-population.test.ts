import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CrossmarginError } from '../core/errors.js';
import { loadPortfolioInputs } from './portfolio-population.js';

describe('loadPortfolioInputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crossmargin-population-'));
  const members = join(dir, 'members');
  mkdirSync(members);
  writeFileSync(join(members, 'b.json'), JSON.stringify({ account: 'b', positions: [] }));
  writeFileSync(join(members, 'a.json'), JSON.stringify([{ account: 'a1', positions: [] }, { account: 'a2', positions: [] }]));
  writeFileSync(join(members, 'notes.txt'), 'ignored');
  const single = join(dir, 'c.json');
  writeFileSync(single, JSON.stringify({ account: 'c', positions: [] }));

  it('reads files, JSON arrays and directories (sorted, *.json only), naming each source', () => {
    const inputs = loadPortfolioInputs([members, single]);
    expect(inputs.map((i) => (i.document as { account: string }).account)).toEqual(['a1', 'a2', 'b', 'c']);
    expect(inputs.map((i) => i.source)).toEqual([join(members, 'a.json[0]'), join(members, 'a.json[1]'), join(members, 'b.json'), single]);
  });

  it('a missing file is FILE_NOT_FOUND; an empty directory is a usage error', () => {
    expect(() => loadPortfolioInputs([join(dir, 'none.json')])).toThrow(CrossmarginError);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => loadPortfolioInputs([empty])).toThrow(/holds no \.json files/);
  });
});
