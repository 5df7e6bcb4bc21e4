import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrossmarginError } from '../core/errors.js';

/**
 * Loader of the WebAssembly SIMD risk kernels (sources: numerics/wasm/risk-kernels.ts, AssemblyScript, built by
 * scripts/build-wasm.mjs into dist/wasm/risk-kernels.wasm). `wasmRiskKernels()` returns them, or `undefined` when
 * this runtime has no WebAssembly SIMD, the .wasm file is missing (a source checkout before `npm run build`) or
 * fails to compile, or CROSSMARGIN_WASM=off — callers then run the TypeScript kernels, which give the same bits.
 *
 * This build has its own memory (one per thread that loads it): each call copies its inputs in and its outputs
 * back, except a resident matrix, which stays in that memory between W2 and W3 (the one-thread path of the peer
 * benchmark). Caller arrays are laid out from 64 KiB up (page 0 holds the module's statics), 64-byte aligned, and
 * the memory grows to fit. The kernel pool's threads use the shared-memory build instead (wasm-shared-kernels.ts),
 * which needs no copies at all.
 */
export interface WasmRiskKernels {
  /** W2: out[r·n + s] = Σ weight·pnl[instrument·n + s] over row r's entries; bit-identical to aggregateKernel. */
  aggregate(rowStart: Int32Array, instrument: Int32Array, weight: Float64Array, rows: number, pnl: Float64Array, n: number, out: Float64Array): void;
  /** W3 per row of a materialised matrix, [worst, VaR, ES] per row into out (see TailShape). */
  tailMeasuresRows(matrix: Float64Array, rows: number, n: number, shape: TailShape, out: Float64Array): void;
  /** W2 + W3 fused, [worst, VaR, ES] per row into out; the row × scenario matrix is never written. */
  aggregateTailMeasures(rowStart: Int32Array, instrument: Int32Array, weight: Float64Array, rows: number, pnl: Float64Array, n: number, shape: TailShape, out: Float64Array): void;
  /**
   * A rows × n matrix that lives in linear memory (as a C kernel's output lives in its heap): W2 aggregates into
   * it and W3 measures it without copying the 80 MB through JavaScript. Lasts until the next call on this module.
   */
  residentRows(rows: number, n: number): ResidentRows;
}

/** See WasmRiskKernels.residentRows. */
export interface ResidentRows {
  /** The matrix, row-major, as a view into linear memory (take it again after any other call on the module). */
  values(): Float64Array;
  /** W2 into the matrix: the CSR book and the instrument matrix are copied in, the result stays in place. */
  aggregate(rowStart: Int32Array, instrument: Int32Array, weight: Float64Array, pnl: Float64Array): void;
  /** W3 over the matrix: [worst, VaR, ES] per row into out. */
  tailMeasures(shape: TailShape, out: Float64Array): void;
}

/** See WasmRiskKernels.residentRows. */
export interface ResidentRows {
  /** The matrix, row-major, as a view into linear memory (take it again after any other call on the module). */
  values(): Float64Array;
  /** W2 into the matrix: the CSR book and the instrument matrix are copied in, the result stays in place. */
  aggregate(rowStart: Int32Array, instrument: Int32Array, weight: Float64Array, pnl: Float64Array): void;
  /** W3 over the matrix: [worst, VaR, ES] per row into out. */
  tailMeasures(shape: TailShape, out: Float64Array): void;
}

/** Tail sizes from core/tail-count.ts: VaR rank k, ES mass m = whole + frac, need = max(k, ⌈m⌉, 1). */
export interface TailShape {
  readonly k: number;
  readonly m: number;
  readonly whole: number;
  readonly frac: number;
  readonly need: number;
}

/** The slice of the WebAssembly API used here (the project's lib settings carry no WebAssembly typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

export interface KernelExports {
  readonly memory: WasmMemory;
  aggregate(rowStart: number, instrument: number, weight: number, rows: number, pnl: number, n: number, out: number): void;
  tailMeasuresRows(matrix: number, rows: number, n: number, k: number, m: number, whole: number, frac: number, need: number, scratch: number, out: number): void;
  aggregateTailMeasures(rowStart: number, instrument: number, weight: number, rows: number, pnl: number, n: number, k: number, m: number, whole: number, frac: number, need: number, scratch: number, out: number): void;
}

const FILE = 'risk-kernels.wasm';
/** First byte of caller data in linear memory: page 1 (AssemblyScript's statics live in page 0). */
const BASE = 65536;
const PAGE = 65536;

/** (module (func (result v128) (v128.const i32x4 0 0 0 0))): validates only where WebAssembly SIMD is supported. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd,
  0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b,
]);

let loaded: WasmRiskKernels | null | undefined;

/** The WebAssembly SIMD kernels, or undefined (see above). Loaded once, synchronously (the module is ~3 kB). */
export function wasmRiskKernels(): WasmRiskKernels | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

/** Candidate locations of a .wasm: CROSSMARGIN_WASM_DIR, then dist/wasm seen from src/numerics or dist/src/numerics. */
function candidates(file: string): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const list = [join(here, '..', '..', 'dist', 'wasm', file), join(here, '..', '..', 'wasm', file)];
  const dir = process.env.CROSSMARGIN_WASM_DIR;
  return dir ? [join(dir, file), ...list] : list;
}

/**
 * The WebAssembly API when this runtime has WebAssembly SIMD and the kernels are wanted (CROSSMARGIN_WASM ≠ off),
 * and the bytes of the module `file` from dist/wasm; undefined otherwise.
 */
export function wasmModuleBytes(file: string): { wasm: WasmApi; bytes: Uint8Array } | undefined {
  if (process.env.CROSSMARGIN_WASM === 'off') return undefined;
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined || !wasm.validate(SIMD_PROBE)) return undefined;
  const path = candidates(file).find((p) => existsSync(p));
  return path === undefined ? undefined : { wasm, bytes: readFileSync(path) };
}

function load(): WasmRiskKernels | null {
  const found = wasmModuleBytes(FILE);
  if (found === undefined) return null;
  const { wasm } = found;
  let exports: KernelExports;
  try {
    exports = new wasm.Instance(new wasm.Module(found.bytes), {}).exports as KernelExports;
  } catch {
    return null; // a stale or foreign file: the TypeScript kernels are always right
  }
  return bind(exports);
}

/**
 * A bump allocator over a module's linear memory: arrays laid out from `BASE` (page 0 holds AssemblyScript's
 * statics), each 64-byte aligned (a cache line, so a 64-byte tile of a row never straddles two), the memory grown as
 * needed. Shared by this thread's module and the kernel pool's shared memory (wasm-shared-kernels.ts).
 */
export interface LinearAllocator {
  /** Lays out again from `from` (default: the start). */
  reset(from?: number): void;
  /** The first free byte. */
  top(): number;
  /** Reserves `bytes`; returns the address. */
  reserve(bytes: number): number;
  /** Copies the first `count` elements of a typed array in; returns the address. */
  put(source: Float64Array | Int32Array, count?: number): number;
  /** A Float64Array view of `length` doubles at `address`. */
  f64(address: number, length: number): Float64Array;
  /** An Int32Array view of `length` integers at `address`. */
  i32(address: number, length: number): Int32Array;
}

export function linearAllocator(memory: WasmMemory): LinearAllocator {
  let top = BASE;
  const reserve = (bytes: number): number => {
    const at = top;
    top = at + ((bytes + 63) & ~63);
    const have = memory.buffer.byteLength;
    if (top > have) memory.grow(Math.ceil((top - have) / PAGE));
    return at;
  };
  return {
    reset(from = BASE) {
      top = from;
    },
    top: () => top,
    reserve,
    put(source, count = source.length) {
      const at = reserve(count * source.BYTES_PER_ELEMENT);
      const from = count === source.length ? source : source.subarray(0, count);
      if (from instanceof Float64Array) new Float64Array(memory.buffer, at, count).set(from);
      else new Int32Array(memory.buffer, at, count).set(from);
      return at;
    },
    f64: (address, length) => new Float64Array(memory.buffer, address, length),
    i32: (address, length) => new Int32Array(memory.buffer, address, length),
  };
}

/** Addresses of a CSR book and its instrument × scenario matrix laid out by `putBook`. */
export interface BookAddresses {
  readonly rowStart: number;
  readonly instrument: number;
  readonly weight: number;
  readonly pnl: number;
}

/** Copies a CSR book (rows + 1 row starts, its entries) and the instrument matrix (whole instruments of n) in. */
export function putBook(memory: LinearAllocator, rowStart: Int32Array, instrument: Int32Array, weight: Float64Array, rows: number, pnl: Float64Array, n: number): BookAddresses {
  const entries = rowStart[rows]!;
  return {
    rowStart: memory.put(rowStart, rows + 1),
    instrument: memory.put(instrument, entries),
    weight: memory.put(weight, entries),
    pnl: memory.put(pnl, Math.floor(pnl.length / n) * n),
  };
}

/** Scratch of the tail filter for rows of n scenarios, bytes: block minima, the selection's two buffers and a spare group, candidate values and indices. */
export function tailScratchBytes(n: number): number {
  return 8 * (4 * Math.floor(n / 8) + 2 * n);
}

function bind(x: KernelExports): WasmRiskKernels {
  const memory = linearAllocator(x.memory);
  const getF64 = (at: number, out: Float64Array, count: number): void => {
    out.set(memory.f64(at, count));
  };

  /** Bumped by every call that lays memory out again, so a resident matrix knows when it was overwritten. */
  let generation = 0;
  const restart = (): void => {
    generation++;
    memory.reset();
  };

  return {
    aggregate(rowStart, instrument, weight, rows, pnl, n, out) {
      restart();
      const b = putBook(memory, rowStart, instrument, weight, rows, pnl, n);
      const o = memory.reserve(rows * n * 8);
      x.aggregate(b.rowStart, b.instrument, b.weight, rows, b.pnl, n, o);
      getF64(o, out, rows * n);
    },
    tailMeasuresRows(matrix, rows, n, shape, out) {
      restart();
      const mtx = memory.put(matrix, rows * n);
      const scratch = memory.reserve(tailScratchBytes(n));
      const o = memory.reserve(rows * 3 * 8);
      x.tailMeasuresRows(mtx, rows, n, shape.k, shape.m, shape.whole, shape.frac, shape.need, scratch, o);
      getF64(o, out, rows * 3);
    },
    aggregateTailMeasures(rowStart, instrument, weight, rows, pnl, n, shape, out) {
      restart();
      const b = putBook(memory, rowStart, instrument, weight, rows, pnl, n);
      const scratch = memory.reserve(n * 8 + tailScratchBytes(n));
      const o = memory.reserve(rows * 3 * 8);
      x.aggregateTailMeasures(b.rowStart, b.instrument, b.weight, rows, b.pnl, n, shape.k, shape.m, shape.whole, shape.frac, shape.need, scratch, o);
      getF64(o, out, rows * 3);
    },
    residentRows(rows, n) {
      restart();
      const mine = generation;
      const matrix = memory.reserve(rows * n * 8);
      const after = memory.top();
      const check = (): void => {
        if (generation !== mine) throw new CrossmarginError('INTERNAL', 'wasm resident matrix used after another kernel call reset the memory');
      };
      return {
        values() {
          check();
          return memory.f64(matrix, rows * n);
        },
        aggregate(rowStart, instrument, weight, pnl) {
          check();
          memory.reset(after);
          const b = putBook(memory, rowStart, instrument, weight, rows, pnl, n);
          x.aggregate(b.rowStart, b.instrument, b.weight, rows, b.pnl, n, matrix);
        },
        tailMeasures(shape, out) {
          check();
          memory.reset(after);
          const scratch = memory.reserve(tailScratchBytes(n));
          const o = memory.reserve(rows * 3 * 8);
          x.tailMeasuresRows(matrix, rows, n, shape.k, shape.m, shape.whole, shape.frac, shape.need, scratch, o);
          getF64(o, out, rows * 3);
        },
      };
    },
  };
}
