import { wasmModuleBytes, type KernelExports, type WasmMemory } from './wasm-risk-kernels.js';

/**
 * The same WebAssembly SIMD kernels (numerics/wasm/risk-kernels.ts) built a second time over an imported *shared*
 * memory (`dist/wasm/risk-kernels-shared.wasm`, `--importMemory --sharedMemory`), for the kernel pool: the calling
 * thread lays a job's inputs out once in one `WebAssembly.Memory` whose buffer is a SharedArrayBuffer, every worker
 * instantiates the module over that same memory, and each thread's kernel calls read the inputs and write the
 * outputs in place — no per-thread copies in or out (risk/kernel-job.ts).
 *
 * `poolMemory()` is this process's memory for pool jobs (created on first use, grown as jobs need, never shrunk);
 * `sharedKernelsOver(memory)` instantiates the module over a memory received from another thread. Both return
 * undefined where WebAssembly SIMD, shared memory or the module file is unavailable (the pool then runs the
 * TypeScript kernels: the same bits).
 */
export interface SharedKernels {
  readonly exports: KernelExports;
}

/** A job's bump allocator over the pool memory (64-byte aligned, from 64 KiB: page 0 holds the module's statics). */
export interface PoolMemory {
  readonly memory: WasmMemory;
  readonly kernels: SharedKernels;
  /** Start laying out a new job at `from` (default: the first free byte). */
  reset(from?: number): void;
  /** Reserves `bytes`, growing the memory as needed; returns the address. */
  reserve(bytes: number): number;
  /** The first free byte. */
  top(): number;
  /** Copies a typed array in; returns its address. */
  put(source: Float64Array | Int32Array): number;
  /** A Float64Array view of `length` doubles at `address` (valid until the region is laid out again). */
  f64(address: number, length: number): Float64Array;
  /**
   * Where a view made by `f64` lies ({address, end}), or undefined for any other array. Identity, not the buffer:
   * a shared memory's `buffer` is a new object after each growth.
   */
  placeOf(view: Float64Array): { readonly address: number; readonly end: number } | undefined;
}

const FILE = 'risk-kernels-shared.wasm';
const BASE = 65536;
const PAGE = 65536;
/** Pages the shared memory may grow to (4 GiB: the address space is reserved up front, not the memory). */
const MAXIMUM_PAGES = 65536;

interface Compiled {
  readonly wasm: NonNullable<ReturnType<typeof wasmModuleBytes>>['wasm'];
  readonly module: object;
}

let compiled: Compiled | null | undefined;

function compile(): Compiled | null {
  const found = wasmModuleBytes(FILE);
  if (found === undefined) return null;
  try {
    return { wasm: found.wasm, module: new found.wasm.Module(found.bytes) };
  } catch {
    return null;
  }
}

/** The shared-memory module instantiated over `memory` (a pool memory from this or another thread), or undefined. */
export function sharedKernelsOver(memory: WasmMemory): SharedKernels | undefined {
  if (compiled === undefined) compiled = compile();
  if (compiled === null) return undefined;
  try {
    return { exports: new compiled.wasm.Instance(compiled.module, { env: { memory } }).exports as KernelExports };
  } catch {
    return undefined;
  }
}

let pool: PoolMemory | null | undefined;

/** This process's pool memory (one per process: jobs run one at a time, each laid out from the start). */
export function poolMemory(): PoolMemory | undefined {
  if (pool === undefined) pool = makePoolMemory();
  return pool ?? undefined;
}

function makePoolMemory(): PoolMemory | null {
  if (compiled === undefined) compiled = compile();
  if (compiled === null) return null;
  let memory: WasmMemory;
  try {
    memory = new compiled.wasm.Memory({ initial: 2, maximum: MAXIMUM_PAGES, shared: true });
  } catch {
    return null; // no shared WebAssembly memory here
  }
  const kernels = sharedKernelsOver(memory);
  if (kernels === undefined) return null;
  let top = BASE;
  const views = new WeakMap<Float64Array, { address: number; end: number }>();
  const reserve = (bytes: number): number => {
    const at = top;
    top = at + ((bytes + 63) & ~63);
    const have = memory.buffer.byteLength;
    if (top > have) memory.grow(Math.ceil((top - have) / PAGE));
    return at;
  };
  return {
    memory,
    kernels,
    reset(from = BASE) {
      top = from;
    },
    reserve,
    top: () => top,
    put(source) {
      const at = reserve(source.byteLength);
      if (source instanceof Float64Array) new Float64Array(memory.buffer, at, source.length).set(source);
      else new Int32Array(memory.buffer, at, source.length).set(source);
      return at;
    },
    f64(address, length) {
      const view = new Float64Array(memory.buffer, address, length);
      views.set(view, { address, end: address + length * 8 });
      return view;
    },
    placeOf: (view) => views.get(view),
  };
}
