/**
 * Dotted path of the first leaf of `value` (depth first, arrays by index) for which `test` holds, or undefined. Used
 * at the HTTP boundary to name the field of what the service refuses: a non-finite number in an answer (JSON has
 * none: it would fail to serialise or become `null`), a NUL character in a request string (PostgreSQL cannot store
 * one in text).
 */
export function firstPath(value: unknown, test: (leaf: unknown) => boolean): string | undefined {
  // Most documents hold no such leaf: a scan that builds no path strings answers them (a 10,000-row overview is
  // ~200,000 leaves); only a hit pays for the path.
  if (!anyLeaf(value, test)) return undefined;
  // Iterative (an explicit stack): a hostile request may nest arrays 100,000 deep, beyond the call stack.
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (node !== null && typeof node === 'object') {
      const entries: [string, unknown][] = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
      // Pushed last to first, so the first child is looked at first.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        stack.push([child, path === '' ? key : `${path}.${key}`]);
      }
    } else if (test(node)) {
      return path === '' ? '(root)' : path;
    }
  }
  return undefined;
}

/** Whether any leaf passes `test`: iterative, allocation-light (one stack), no paths. */
function anyLeaf(value: unknown, test: (leaf: unknown) => boolean): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') {
      if (test(node)) return true;
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) stack.push(node[i]);
    } else {
      for (const key in node) stack.push((node as Record<string, unknown>)[key]);
    }
  }
  return false;
}

export const isNonFiniteNumber = (leaf: unknown): boolean => typeof leaf === 'number' && !Number.isFinite(leaf);

export const hasNulCharacter = (leaf: unknown): boolean => typeof leaf === 'string' && leaf.includes('\u0000');
