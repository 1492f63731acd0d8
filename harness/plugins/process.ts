/**
 * Runs one external command the way the harness runs everything: in its own process group, its
 * stdout and stderr appended to a log file, under a wall-clock and a resident-memory limit, and
 * stoppable by an abort signal. On a timeout, the memory limit, an abort, Ctrl-C of the harness,
 * and also after a normal exit, the whole process group is killed, so a program's children
 * (data-loader workers, shells, servers) never outlive it. POSIX only (`/bin/sh`, process groups;
 * the memory limit reads Linux's `/proc`).
 * @module
 */
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Program and arguments (no shell: each element is one argument). */
  readonly argv: readonly string[];
  /** Working directory. */
  readonly cwd: string;
  /** Variables added to the harness's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Log file: the command's stdout and stderr are appended to it. */
  readonly logFile: string;
  /** What the command is, for messages (e.g. `train`, `render val`). */
  readonly label: string;
  /** Wall-clock limit in seconds (default: none). */
  readonly timeLimitS?: number;
  /** Limit on the summed resident memory of the process group, MiB (default: none). */
  readonly memoryLimitMb?: number;
  /** Stops the command (its process group is killed). */
  readonly signal?: AbortSignal;
  /** Seconds between SIGTERM and SIGKILL when stopping (default 2). */
  readonly graceS?: number;
  /** Lines of the log's tail quoted in errors (default 20). */
  readonly tailLines?: number;
}

/** What a finished command reports. */
export interface CommandResult {
  /** Wall time, ms. */
  readonly wallMs: number;
  /** Peak summed resident memory of the process group, MiB (0 where not measured). */
  readonly peakRssMb: number;
}

/** Why a command failed. */
export type CommandFailure = "exit" | "not-found" | "timeout" | "memory" | "aborted";

/** A command that did not finish successfully; the message ends with the log's tail. */
export class CommandError extends Error {
  /** Failure kind. */
  readonly kind: CommandFailure;
  /** The log file. */
  readonly logFile: string;
  /** Last lines of the log (may be empty). */
  readonly tail: string;

  /**
   * Creates the error; the message is `label: reason` plus the log's tail.
   * @param label what the command is
   * @param kind failure kind
   * @param reason what happened, in words
   * @param logFile the log file
   * @param tail last lines of the log
   */
  constructor(label: string, kind: CommandFailure, reason: string, logFile: string, tail: string) {
    super(
      `${label} ${reason}; log: ${logFile}` +
        (tail ? `\n--- last lines of the log ---\n${tail}` : " (empty)"),
    );
    this.name = "CommandError";
    this.kind = kind;
    this.logFile = logFile;
    this.tail = tail;
  }
}

/**
 * Finds the program of an argv: a path containing `/` is taken relative to `cwd`, a bare name is
 * looked up on `PATH`. Returns undefined when no executable file is found.
 */
export async function resolveProgram(
  program: string,
  cwd: string,
  path = Deno.env.get("PATH") ?? "",
): Promise<string | undefined> {
  const candidates = program.includes("/")
    ? [isAbsolute(program) ? program : resolve(cwd, program)]
    : path.split(delimiter).filter(Boolean).map((d) => join(resolve(cwd, d), program));
  for (const c of candidates) {
    const st = await Deno.stat(c).catch(() => undefined);
    if (st?.isFile && (st.mode === null || (st.mode & 0o111) !== 0)) return c;
  }
  return undefined;
}

/** Last `n` lines of a text file (reads at most its last 64 KiB). */
export async function logTail(file: string, n = 20): Promise<string> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(file, { read: true });
  } catch {
    return "";
  }
  try {
    const size = (await f.stat()).size;
    const start = Math.max(0, size - 65536);
    await f.seek(start, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - start);
    let off = 0;
    while (off < buf.length) {
      const r = await f.read(buf.subarray(off));
      if (r === null) break;
      off += r;
    }
    const lines = new TextDecoder().decode(buf.subarray(0, off)).trimEnd().split("\n");
    return lines.slice(-n).join("\n");
  } finally {
    f.close();
  }
}

// Process groups still running, killed if the harness itself is interrupted or exits. This is
// process-wide by nature: the signal handlers and the exit hook are process-wide too.
const liveGroups = new Set<number>();
let hooksInstalled = false;

function killGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function onHarnessSignal(signal: "SIGINT" | "SIGTERM") {
  return () => {
    for (const g of liveGroups) killGroup(g, "SIGKILL");
    Deno.exit(signal === "SIGINT" ? 130 : 143);
  };
}
const sigint = onHarnessSignal("SIGINT");
const sigterm = onHarnessSignal("SIGTERM");

function track(pgid: number): void {
  liveGroups.add(pgid);
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Children run in their own session, so a Ctrl-C of the terminal does not reach them: relay it.
  Deno.addSignalListener("SIGINT", sigint);
  Deno.addSignalListener("SIGTERM", sigterm);
  globalThis.addEventListener("unload", killAllLive);
}

function untrack(pgid: number): void {
  liveGroups.delete(pgid);
  if (liveGroups.size > 0 || !hooksInstalled) return;
  hooksInstalled = false;
  Deno.removeSignalListener("SIGINT", sigint);
  Deno.removeSignalListener("SIGTERM", sigterm);
  globalThis.removeEventListener("unload", killAllLive);
}

function killAllLive(): void {
  for (const g of liveGroups) killGroup(g, "SIGKILL");
}

/** Summed VmRSS (MiB) of the processes of a group, from Linux's /proc; undefined elsewhere. */
export async function groupRssMb(pgid: number): Promise<number | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  let kb = 0;
  try {
    for await (const e of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      try {
        const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
        // Fields after the parenthesised command name: state, ppid, pgrp, …
        const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(rest[2]) !== pgid) continue;
        const status = await Deno.readTextFile(`/proc/${e.name}/status`);
        const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
        if (m) kb += Number(m[1]);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return undefined;
  }
  return kb / 1024;
}

/**
 * Runs a command to completion.
 *
 * @throws {CommandError} when the program is not found, exits non-zero or by a signal, runs past
 * the time limit, exceeds the memory limit or is aborted; the message names the log and quotes
 * its tail
 * @example
 * ```ts
 * await runCommand({ argv: ["python3", "train.py"], cwd: "plugin", logFile: "run/plugin.log",
 *   label: "train", timeLimitS: 3600 });
 * ```
 */
export async function runCommand(opts: RunCommandOptions): Promise<CommandResult> {
  const { argv, cwd, logFile, label } = opts;
  const tailLines = opts.tailLines ?? 20;
  const enc = new TextEncoder();
  const append = (text: string) => Deno.writeFile(logFile, enc.encode(text), { append: true });
  const failWith = async (kind: CommandFailure, reason: string): Promise<never> => {
    await append(`[${label}: ${reason}]\n`).catch(() => {});
    throw new CommandError(label, kind, reason, logFile, await logTail(logFile, tailLines));
  };
  await append(`$ ${argv.map(shellQuote).join(" ")}    # ${label}, in ${cwd}\n`);
  const envPath = opts.env?.PATH ?? Deno.env.get("PATH") ?? "";
  const program = await resolveProgram(argv[0], cwd, envPath);
  if (!program) {
    const where = argv[0].includes("/") ? `(relative to ${cwd})` : "on PATH";
    return await failWith("not-found", `program '${argv[0]}' not found ${where}`);
  }
  if (opts.signal?.aborted) return await failWith("aborted", "aborted before it started");

  // `exec` keeps the pid: the program is the group leader and its output goes straight to the
  // file (no pipes that a lingering grandchild could hold open).
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", 'exec "$@" >>"$0" 2>&1', logFile, program, ...argv.slice(1)],
    cwd,
    env: { ...opts.env },
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true, // setsid: a new session and process group whose id is the child's pid
  }).spawn();
  const pgid = child.pid;
  track(pgid);
  const t0 = performance.now();
  let stopped: { kind: CommandFailure; reason: string } | undefined;
  const graceMs = (opts.graceS ?? 2) * 1000;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const stop = (kind: CommandFailure, reason: string, signal: Deno.Signal = "SIGTERM") => {
    if (stopped) return;
    stopped = { kind, reason };
    killGroup(pgid, signal);
    killTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), graceMs);
  };
  const timer = opts.timeLimitS !== undefined
    ? setTimeout(
      () => stop("timeout", `ran past the time limit of ${opts.timeLimitS} s (timeLimitS)`),
      opts.timeLimitS * 1000,
    )
    : undefined;
  const onAbort = () => stop("aborted", "was aborted");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  let peak = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const mb = await groupRssMb(pgid);
      if (mb === undefined) return;
      peak = Math.max(peak, mb);
      if (opts.memoryLimitMb !== undefined && mb > opts.memoryLimitMb) {
        stop(
          "memory",
          `used ${mb.toFixed(0)} MiB, over the memory limit of ${opts.memoryLimitMb} MiB ` +
            `(memoryLimitMb)`,
          "SIGKILL",
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    watching = false;
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    // Whatever the program left running in its group goes with it.
    killGroup(pgid, "SIGKILL");
    clearTimeout(killTimer);
    untrack(pgid);
    await watcher;
  }
  const wallMs = performance.now() - t0;
  const secs = (wallMs / 1000).toFixed(1);
  if (stopped) return await failWith(stopped.kind, `${stopped.reason}; process group killed`);
  if (!status.success) {
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    return await failWith("exit", `${how} after ${secs} s`);
  }
  await append(`[${label}: done in ${secs} s, peak ${peak.toFixed(0)} MiB]\n`);
  return { wallMs, peakRssMb: peak };
}

function shellQuote(a: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;
}
