/** Where the CLI writes; tests pass buffers, the launcher passes the process streams. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars are shown only then. */
  readonly interactive: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};
