/**
 * A TCP front for the leaderboard server that enforces what `Deno.serve` cannot: a deadline and a
 * size limit for a request's header block. Deno 2.9's HTTP server has no header timeout, so a
 * client that opens connections and never finishes its headers (slowloris) holds them for good.
 *
 * The front accepts each connection, reads each request's header block under the deadline (from
 * the connection's start for the first request, from its first byte for later keep-alive ones),
 * and forwards it to the real server on loopback with one change: the client's address travels in
 * {@link PEER_HEADER} (any such header the client sent is dropped). Bodies are copied as framed
 * (content-length or chunked) and not otherwise touched: the app bounds their size and time.
 * Responses are piped back unparsed, in order.
 * @module
 */

/** Header that carries the client's address from the front to the app. */
export const PEER_HEADER = "x-isp-bench-peer";

/** Settings of {@link startFront}. */
export interface FrontOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly hostname?: string;
  /** Port to listen on (0: any free port). */
  readonly port: number;
  /** The real server, on loopback. */
  readonly upstream: { readonly hostname: string; readonly port: number };
  /** Time allowed for a request's whole header block, ms (default 10 000). */
  readonly headerTimeoutMs?: number;
  /** Largest header block, bytes (default 32 KiB); larger gets a 431. */
  readonly maxHeaderBytes?: number;
  /** Called with the bound port. */
  readonly onListen?: (port: number) => void;
}

/** A running front. */
export interface RunningFront {
  /** Bound port. */
  readonly port: number;
  /** Stops accepting and closes open connections. */
  close(): Promise<void>;
}

const enc = new TextEncoder();

/** Raised for a header block over the limit. */
class TooLarge extends Error {}

/** Buffered reads from the client's connection. */
class ClientReader {
  #buf = new Uint8Array(0);
  #chunk = new Uint8Array(16 * 1024);
  constructor(readonly conn: Deno.Conn) {}

  /** Reads more bytes; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    const n = await this.conn.read(this.#chunk).catch(() => null);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(this.#chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /**
   * The next header block (without its blank line), or undefined at the end of the stream or at
   * the deadline. The deadline runs from `since` (the connection's start for its first request),
   * else from the block's first byte, so an idle keep-alive connection is not cut while the app
   * is still answering.
   */
  async head(max: number, timeoutMs: number, since?: number): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const arm = (ms: number) => {
      timer = setTimeout(() => {
        try {
          this.conn.close(); // ends the pending read
        } catch { /* already closed */ }
      }, Math.max(0, ms));
    };
    if (since !== undefined) arm(since + timeoutMs - performance.now());
    else if (this.#buf.length > 0) arm(timeoutMs); // the block's first bytes came with the last read
    try {
      for (;;) {
        const at = findBlankLine(this.#buf);
        if (at >= 0) {
          const text = new TextDecoder().decode(this.#take(at));
          this.#take(4);
          return text;
        }
        if (this.#buf.length > max) throw new TooLarge();
        if (!(await this.#fill())) return undefined;
        if (timer === undefined) arm(timeoutMs);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Copies exactly `n` body bytes to `out`. */
  async copy(n: number, out: Deno.Conn): Promise<boolean> {
    while (n > 0) {
      if (this.#buf.length === 0 && !(await this.#fill())) return false;
      const part = this.#take(Math.min(n, this.#buf.length));
      await out.write(part);
      n -= part.length;
    }
    return true;
  }

  /** One CRLF-terminated line (with its CRLF), for chunked bodies. */
  async line(max: number): Promise<Uint8Array | undefined> {
    for (;;) {
      for (let i = 0; i + 1 < this.#buf.length; i++) {
        if (this.#buf[i] === 13 && this.#buf[i + 1] === 10) return this.#take(i + 2);
      }
      if (this.#buf.length > max) throw new TooLarge();
      if (!(await this.#fill())) return undefined;
    }
  }

  /** Copies a chunked body, trailers included, to `out`. */
  async copyChunked(out: Deno.Conn, max: number): Promise<boolean> {
    for (;;) {
      const sizeLine = await this.line(max);
      if (!sizeLine) return false;
      await out.write(sizeLine);
      const size = parseInt(new TextDecoder().decode(sizeLine).split(";")[0].trim(), 16);
      if (!Number.isFinite(size) || size < 0) return false;
      if (size === 0) {
        for (;;) { // trailers, then the blank line
          const t = await this.line(max);
          if (!t) return false;
          await out.write(t);
          if (t.length === 2) return true;
        }
      }
      if (!(await this.copy(size + 2, out))) return false;
    }
  }
}

function findBlankLine(buf: Uint8Array): number {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13 && buf[i + 3] === 10) return i;
  }
  return -1;
}

/** How the request's body is framed, from its header lines. */
function framing(lines: readonly string[]): { chunked: boolean; length: number } | undefined {
  let chunked = false;
  let length = 0;
  for (const l of lines) {
    const i = l.indexOf(":");
    const name = l.slice(0, i).trim().toLowerCase();
    const value = l.slice(i + 1).trim().toLowerCase();
    if (name === "transfer-encoding") {
      chunked = value.split(",").map((v) => v.trim()).includes("chunked");
    }
    if (name === "content-length") {
      length = Number(value);
      if (!Number.isSafeInteger(length) || length < 0) return undefined;
    }
  }
  return { chunked, length };
}

/** The header block rewritten for the app: the peer address set, any client copy dropped. */
function rewriteHead(lines: readonly string[], peer: string): string {
  const kept = lines.slice(1).filter((l) =>
    l.slice(0, l.indexOf(":")).trim().toLowerCase() !== PEER_HEADER
  );
  return [lines[0], ...kept, `${PEER_HEADER}: ${peer}`, "", ""].join("\r\n");
}

async function reply(conn: Deno.Conn, status: string): Promise<void> {
  const msg = `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`;
  await conn.write(enc.encode(msg)).catch(() => {});
}

function closeQuietly(c: Deno.Conn | undefined): void {
  try {
    c?.close();
  } catch { /* already closed */ }
}

async function handle(conn: Deno.Conn, opts: FrontOptions, open: Set<Deno.Conn>): Promise<void> {
  const max = opts.maxHeaderBytes ?? 32 * 1024;
  const timeoutMs = opts.headerTimeoutMs ?? 10_000;
  const peer = (conn.remoteAddr as Deno.NetAddr).hostname;
  const reader = new ClientReader(conn);
  let up: Deno.Conn | undefined;
  let since: number | undefined = performance.now();
  try {
    for (;;) {
      let head: string | undefined;
      try {
        head = await reader.head(max, timeoutMs, since);
      } catch (e) {
        if (e instanceof TooLarge) await reply(conn, "431 Request Header Fields Too Large");
        return;
      }
      since = undefined;
      if (head === undefined) return;
      const lines = head.split("\r\n");
      const body = framing(lines);
      if (!body) return await reply(conn, "400 Bad Request");
      if (!up) {
        try {
          up = await Deno.connect({ hostname: opts.upstream.hostname, port: opts.upstream.port });
        } catch {
          return await reply(conn, "502 Bad Gateway");
        }
        open.add(up);
        // Responses come back in request order: piped as they are, never parsed.
        const back = up;
        back.readable.pipeTo(conn.writable, { preventClose: true }).catch(() => {}).finally(
          () => closeQuietly(conn),
        );
      }
      await up.write(enc.encode(rewriteHead(lines, peer)));
      const done = body.chunked
        ? await reader.copyChunked(up, max)
        : await reader.copy(body.length, up);
      if (!done) return;
    }
  } catch {
    // a write to a closed connection: the other side is gone
  } finally {
    if (up) open.delete(up);
    closeQuietly(up);
    closeQuietly(conn);
  }
}

/**
 * Starts the front; each accepted connection is handled on its own, so a slow client holds only
 * its own connection and only until the header deadline.
 * @example
 * ```ts
 * const app = Deno.serve({ hostname: "127.0.0.1", port: 0 }, handler);
 * const front = startFront({ port: 8000, upstream: { hostname: "127.0.0.1", port: app.addr.port } });
 * ```
 */
export function startFront(opts: FrontOptions): RunningFront {
  const listener = Deno.listen({ hostname: opts.hostname ?? "127.0.0.1", port: opts.port });
  const port = (listener.addr as Deno.NetAddr).port;
  opts.onListen?.(port);
  const open = new Set<Deno.Conn>();
  const accepting = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      handle(conn, opts, open).catch(() => {}).finally(() => open.delete(conn));
    }
  })().catch(() => {});
  return {
    port,
    async close() {
      listener.close();
      await accepting;
      for (const c of open) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    },
  };
}
