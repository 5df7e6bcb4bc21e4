/**
 * Interns strings (symbols, account ids, currencies) to dense integer ids at the boundary, so kernels only see
 * `Int32Array` indices (DESIGN.md "Hot loops"). Ids are assigned in first-seen order starting at 0.
 */
export class Interner {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  /** Id of `name`, assigning the next free id on first sight. */
  intern(name: string): number {
    const existing = this.ids.get(name);
    if (existing !== undefined) return existing;
    const id = this.names.length;
    this.ids.set(name, id);
    this.names.push(name);
    return id;
  }

  /** Id of `name`, or undefined when it was never interned. */
  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** Name of `id`; throws RangeError for ids never handed out (a programming error, not bad input). */
  name(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new RangeError(`Interner: no name for id ${id}`);
    return name;
  }

  get size(): number {
    return this.names.length;
  }

  /** All names, index = id. */
  list(): readonly string[] {
    return this.names;
  }
}
