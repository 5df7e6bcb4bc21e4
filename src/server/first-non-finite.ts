/**
 * Dotted path of the first number in `value` that is not finite (NaN, ±Infinity), or undefined when every number is
 * finite. JSON has no such numbers: a response carrying one would fail to serialise (a 500) or lie (`null`), so the
 * server refuses it with a coded error instead (build-server.ts). Depth-first, arrays by index.
 */
export function firstNonFinite(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path === '' ? '(root)' : path;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = firstNonFinite(value[i], path === '' ? String(i) : `${path}.${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const found = firstNonFinite(child, path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
