import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XmlTokenizer } from './xml-tokenizer.js';

function events(chunks: readonly string[]): string[] {
  const out: string[] = [];
  const t = new XmlTokenizer(
    { open: (n, l) => out.push(`<${n}@${l}`), close: (n, l) => out.push(`</${n}@${l}`), text: (s, l) => out.push(`"${s.trim()}"@${l}`) },
    (line, message) => new Error(`${line}: ${message}`),
  );
  for (const c of chunks) t.write(c);
  t.end();
  // Adjacent text pieces of one run may arrive split; join them so only the content is compared.
  return out.reduce<string[]>((acc, e) => {
    const prev = acc.at(-1);
    if (e.startsWith('"') && prev?.startsWith('"') === true) acc[acc.length - 1] = `${prev.slice(0, prev.lastIndexOf('"'))}${e.slice(1, e.lastIndexOf('"'))}${prev.slice(prev.lastIndexOf('"'))}`;
    else acc.push(e);
    return acc;
  }, []);
}

describe('XmlTokenizer', () => {
  it('reads elements, text, entities, CDATA, comments and self-closing tags with line numbers', () => {
    expect(events(['<?xml version="1.0"?>\n<a x="1>2">\n  <b>A &amp; B &#65;</b><!-- c -->\n<c/><d><![CDATA[<x>]]></d></a>'])).toEqual([
      '<a@2', '<b@3', '"A & B A"@3', '</b@3', '<c@4', '</c@4', '<d@4', '"<x>"@4', '</d@4', '</a@4',
    ]);
  });

  it('gives the same events whatever the chunk boundaries (property)', () => {
    const text = readFileSync('samples/span/es-nq.spn', 'utf8');
    const whole = events([text]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks = [0, ...points].map((p, i) => text.slice(p, points[i] ?? text.length));
        expect(events(chunks)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses an unknown entity and unterminated markup', () => {
    expect(() => events(['<a>&nope;</a>'])).toThrow(/1: unknown entity &nope;/);
    expect(() => events(['<a><b'])).toThrow(/unterminated markup/);
  });
});
