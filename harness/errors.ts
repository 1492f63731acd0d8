/**
 * Typed errors. Every error caused by bad input names the file (or archive entry) and the reason,
 * so a user can act on it without reading a stack trace.
 * @module
 */
import { printable } from "./text.ts";

/** Bad input data: a corrupt, truncated, mis-shaped or otherwise unusable file. */
export class InputError extends Error {
  /** The file, archive entry or option at fault. */
  readonly file: string;
  /** What is wrong with it, in words. */
  readonly reason: string;

  /**
   * Creates the error; the message is `file: reason`, with control characters escaped (names
   * come from archives and uploads, and messages reach terminals and web pages).
   * @param file the file, archive entry or option at fault
   * @param reason what is wrong with it
   * @example
   * ```ts
   * throw new InputError("pred/0001.png", "size 512×512 differs from target 256×256");
   * ```
   */
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`${printable(file, true)}: ${printable(reason)}`, options);
    this.name = "InputError";
    this.file = file;
    this.reason = reason;
  }
}

/** Bad command-line or API options (unknown preset, unwritable directory, …). */
export class OptionError extends Error {
  /** The option at fault, e.g. `--preset`. */
  readonly option: string;

  /**
   * Creates the error; the message is `option: reason`.
   * @param option the option at fault
   * @param reason what is wrong with it
   */
  constructor(option: string, reason: string) {
    super(`${printable(option, true)}: ${printable(reason)}`);
    this.name = "OptionError";
    this.option = option;
  }
}
