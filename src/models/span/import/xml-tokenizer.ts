/**
 * A small streaming XML tokenizer for SPAN `.spn` files: text is fed in chunks of any size and start tags, end
 * tags and text are reported as they complete, so memory stays bounded by the largest single tag or text run, not by
 * the file (real daily files are hundreds of MB). It understands what SPAN files use — elements, attributes (ignored),
 * text with the five predefined entities and numeric references, comments, CDATA, the XML declaration and a
 * DOCTYPE — and reports the line of every event for error messages. It does not validate names or nesting beyond
 * what the consumer checks.
 */
export interface XmlHandler {
  open(name: string, line: number): void;
  close(name: string, line: number): void;
  text(text: string, line: number): void;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export class XmlTokenizer {
  private buffer = '';
  private line = 1;

  constructor(
    private readonly handler: XmlHandler,
    private readonly fail: (line: number, message: string) => Error,
  ) {}

  write(chunk: string): void {
    this.buffer += chunk;
    this.drain(false);
  }

  /** Flushes the last text; returns the line the file ended on. */
  end(): number {
    this.drain(true);
    if (this.buffer.trim() !== '') throw this.fail(this.line, `unterminated markup at end of file: "${this.buffer.slice(0, 40)}"`);
    return this.line;
  }

  private advanceLines(text: string): void {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.line += 1;
  }

  private drain(final: boolean): void {
    let pos = 0;
    const b = this.buffer;
    for (;;) {
      const lt = b.indexOf('<', pos);
      if (lt === -1) {
        // Keep an unfinished text run until the next '<' (or the end) arrives, unless it is only whitespace.
        const rest = b.slice(pos);
        if (final || rest.trim() === '') {
          if (rest.trim() !== '') this.emitText(rest);
          else this.advanceLines(rest);
          pos = b.length;
        }
        break;
      }
      if (lt > pos) {
        this.emitText(b.slice(pos, lt));
        pos = lt;
      }
      const end = this.markupEnd(b, lt);
      if (end === -1) break;
      const markup = b.slice(lt, end);
      this.markup(markup);
      this.advanceLines(markup);
      pos = end;
    }
    this.buffer = b.slice(pos);
  }

  /** Index just after the markup starting at `lt`, or -1 when it is not complete yet. */
  private markupEnd(b: string, lt: number): number {
    if (b.startsWith('<!--', lt)) {
      const e = b.indexOf('-->', lt + 4);
      return e === -1 ? -1 : e + 3;
    }
    if (b.startsWith('<![CDATA[', lt)) {
      const e = b.indexOf(']]>', lt + 9);
      return e === -1 ? -1 : e + 3;
    }
    if (b.startsWith('<?', lt)) {
      const e = b.indexOf('?>', lt + 2);
      return e === -1 ? -1 : e + 2;
    }
    // A tag: the first '>' ends it unless a quoted attribute value comes before it (SPAN files have none: fast path).
    const gt = b.indexOf('>', lt + 1);
    if (gt === -1) return -1;
    if (!/["']/.test(b.slice(lt, gt))) return gt + 1;
    let quote = '';
    for (let i = lt + 1; i < b.length; i += 1) {
      const c = b[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i + 1;
    }
    return -1;
  }

  private markup(m: string): void {
    if (m.startsWith('<!--') || m.startsWith('<?') || m.startsWith('<!DOCTYPE') || m.startsWith('<!doctype')) return;
    if (m.startsWith('<![CDATA[')) {
      this.handler.text(m.slice(9, -3), this.line);
      return;
    }
    if (m.startsWith('</')) {
      this.handler.close(m.slice(2, -1).trim(), this.line);
      return;
    }
    const selfClosing = m.endsWith('/>');
    const body = m.slice(1, selfClosing ? -2 : -1);
    const name = /^[^\s/>]+/.exec(body)?.[0];
    if (name === undefined) throw this.fail(this.line, `malformed tag "${m.slice(0, 40)}"`);
    this.handler.open(name, this.line);
    if (selfClosing) this.handler.close(name, this.line);
  }

  private emitText(raw: string): void {
    const line = this.line;
    this.advanceLines(raw);
    if (raw.trim() === '') return;
    if (!raw.includes('&')) {
      this.handler.text(raw, line);
      return;
    }
    this.handler.text(
      raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
        if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
        if (ref.startsWith('#')) return String.fromCodePoint(Number(ref.slice(1)));
        const e = ENTITIES[ref];
        if (e === undefined) throw this.fail(line, `unknown entity ${whole}`);
        return e;
      }),
      line,
    );
  }
}
