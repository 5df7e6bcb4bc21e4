/**
 * What every benchmark in bench/ returns, so a runner can print them as one machine-readable table
 * (DESIGN.md "Quality bar": benchmarks print machine-readable results and state the workload).
 */
export interface BenchResult {
  /** Short stable identifier, e.g. `black76-price`. */
  name: string;
  /** Human description of exactly what was timed (sizes, input ranges, passes). */
  workload: string;
  /** Throughput of the benchmark's unit of work (stated in `workload`) per second of wall-clock time. */
  opsPerSecond: number;
  /** Mean wall-clock time of one timed pass, in milliseconds. */
  meanMs?: number;
  /** Further named figures (batch size, best pass, checksum, ...). */
  extra?: Record<string, number>;
}
