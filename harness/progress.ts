/**
 * A progress bar on stderr. On a terminal it redraws one line; elsewhere (CI logs, pipes) it prints
 * a line at each 10% step, so logs stay short.
 * @module
 */

/** A running progress display. */
export interface Progress {
  /** Reports `done` of `total` steps, with an optional short note (e.g. the current file). */
  update(done: number, note?: string): void;
  /** Ends the display with a final line. */
  finish(note?: string): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where to write (default stderr). */
  write?: (text: string) => void;
  /** Force terminal (redrawing) mode on or off; default: stderr is a terminal. */
  tty?: boolean;
  /** Print nothing. */
  quiet?: boolean;
}

/**
 * Creates a progress display for `total` steps labelled `label`.
 * @example
 * ```ts
 * const bar = createProgress("scoring", files.length);
 * files.forEach((f, i) => bar.update(i + 1, f));
 * bar.finish();
 * ```
 */
export function createProgress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const enc = new TextEncoder();
  const write = opts.write ?? ((t: string) => Deno.stderr.writeSync(enc.encode(t)));
  const tty = opts.tty ?? Deno.stderr.isTerminal();
  const start = performance.now();
  let lastDecile = -1;
  const line = (done: number, note = "") => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(frac * width);
    const secs = ((performance.now() - start) / 1000).toFixed(1);
    return `${label} [${"#".repeat(filled)}${
      "-".repeat(width - filled)
    }] ${done}/${total} ${secs}s ${note}`;
  };
  return {
    update(done, note) {
      if (opts.quiet) return;
      if (tty) write(`\r\x1b[2K${line(done, note)}`);
      else {
        const decile = total > 0 ? Math.floor((10 * done) / total) : 10;
        if (decile !== lastDecile) {
          lastDecile = decile;
          write(`${line(done, note)}\n`);
        }
      }
    },
    finish(note) {
      if (opts.quiet) return;
      write(`${tty ? "\r\x1b[2K" : ""}${line(total, note ?? "done")}\n`);
    },
  };
}
