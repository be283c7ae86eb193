// How the command line tools end: NNG's error texts, flushed output, an exit code.
import { ERRORS, NngError } from "../core/errors.js";

/** An error that ends the tool with `message` on stderr and exit code `code`. */
export class Fatal extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

/** nng_strerror() of an error thrown by the library (or a Node error the library let through). */
export function strerror(e: unknown): string {
  return ERRORS[NngError.fromSystem(e).code][1];
}

/** Writes to stdout; the returned Promise settles once the bytes are handed to the OS. */
export function writeOut(bytes: Uint8Array | string): Promise<void> {
  return new Promise((resolve) => {
    if (bytes.length === 0) return resolve();
    process.stdout.write(bytes, () => resolve());
  });
}

/** Flushes stdout and stderr, then exits. */
export function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
