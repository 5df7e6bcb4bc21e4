/**
 * Enumerable properties made on first read and kept (the live engine's `result` and a what-if's `positions`): JSON
 * and readers see a plain field, and nothing is computed until someone reads it.
 *
 * The accessor is one shared function per property name that finds its maker under a non-enumerable symbol: V8
 * keeps an object's accessors in its hidden class, so a fresh closure per object made a new hidden class on every
 * call — on the what-if path that was kilobytes per call promoted to the old generation and a third of the time in
 * GC (issue 15).
 */

/** Makers of lazy properties, by property name, on the object (not enumerable: JSON and equality ignore them). */
const LAZY = Symbol('lazy properties');

type LazyHost = { [LAZY]?: Record<string, { make: (() => unknown) | undefined; made: unknown }> };

/** One getter per property name, shared by every object: see lazyResult. */
const LAZY_GETTERS = new Map<string, () => unknown>();

function lazyGetter(name: string): () => unknown {
  let getter = LAZY_GETTERS.get(name);
  if (getter === undefined) {
    getter = function (this: LazyHost): unknown {
      const slot = this[LAZY]![name]!;
      if (slot.make !== undefined) {
        slot.made = slot.make();
        slot.make = undefined;
      }
      return slot.made;
    };
    LAZY_GETTERS.set(name, getter);
  }
  return getter;
}

/** Defines `name` on `target` as an enumerable property made by `make` on first read and kept. */
export function lazyProperty<T extends object>(target: T, name: string, make: () => unknown): T {
  const host = target as T & LazyHost;
  let slots = host[LAZY];
  if (slots === undefined) {
    slots = {};
    Object.defineProperty(host, LAZY, { value: slots, enumerable: false });
  }
  slots[name] = { make, made: undefined };
  return Object.defineProperty(target, name, { enumerable: true, configurable: true, get: lazyGetter(name) });
}
