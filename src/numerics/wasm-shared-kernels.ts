import { linearAllocator, wasmModuleBytes, type KernelExports, type LinearAllocator, type WasmMemory } from './wasm-risk-kernels.js';

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

/** The pool memory: a job's allocator over it (laid out from the start for each job), and this thread's instance. */
export interface PoolMemory extends LinearAllocator {
  readonly memory: WasmMemory;
  readonly kernels: SharedKernels;
  /**
   * Where a view made by `f64` lies ({address, end}), or undefined for any other array. Identity, not the buffer:
   * a shared memory's `buffer` is a new object after each growth.
   */
  placeOf(view: Float64Array): { readonly address: number; readonly end: number } | undefined;
}

const FILE = 'risk-kernels-shared.wasm';
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

/**
 * Stops using this process's pool memory: the next job gets a new one. Called when the pool takes over from a
 * worker that stalled, which might still write into the old memory.
 */
export function discardPoolMemory(): void {
  pool = undefined;
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
  const allocator = linearAllocator(memory);
  const views = new WeakMap<Float64Array, { address: number; end: number }>();
  return {
    ...allocator,
    memory,
    kernels,
    f64(address, length) {
      const view = allocator.f64(address, length);
      views.set(view, { address, end: address + length * 8 });
      return view;
    },
    placeOf: (view) => views.get(view),
  };
}
