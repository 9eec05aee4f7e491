// What a command touches outside itself: its environment, folder and output. Tests hand in their own.
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (progress bars are shown only then). */
  isTTY: boolean;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Exit codes shared by every command: 0 done/accepted, 1 rejected/failed, 2 could not run. */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** An error that ends a command with a message for the operator and an exit code (no stack). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
