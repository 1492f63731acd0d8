/**
 * Request guards of the public server: per-client rate limits (all requests, uploads, failed
 * authentications), a body reader with a byte limit and a deadline, and 405 answers for known
 * paths asked with the wrong method. Counters live in memory, per server process: they protect
 * the process, which is what an attacker can stall.
 * @module
 */
import type { Context, Hono } from "hono";
import { getConnInfo } from "hono/deno";
import { InputError } from "../harness/errors.ts";

/** A fixed-window counter per key. */
export interface RateLimiter {
  /** Counts one event for `key`; returns false when the key is over its limit in this window. */
  hit(key: string, now?: number): boolean;
  /** Whether `key` is over its limit now, without counting. */
  blocked(key: string, now?: number): boolean;
}

/** Options of {@link createRateLimiter}. */
export interface RateLimitOptions {
  /** Events allowed per window. */
  max: number;
  /** Window length, ms. */
  windowMs: number;
  /** Most keys tracked (default 100 000); the oldest window is dropped past it. */
  maxKeys?: number;
}

/**
 * Creates a fixed-window rate limiter.
 * @example
 * ```ts
 * const rl = createRateLimiter({ max: 10, windowMs: 60_000 });
 * if (!rl.hit(ip)) return c.json({ error: "too many requests" }, 429);
 * ```
 */
export function createRateLimiter(opts: RateLimitOptions): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = opts.maxKeys ?? 100_000;
  const current = (key: string, now: number) => {
    const w = windows.get(key);
    return w && now - w.start < opts.windowMs ? w : undefined;
  };
  return {
    hit(key, now = Date.now()) {
      let w = current(key, now);
      if (!w) {
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
        windows.delete(key);
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      return w.count <= opts.max;
    },
    blocked(key, now = Date.now()) {
      return (current(key, now)?.count ?? 0) >= opts.max;
    },
  };
}

/**
 * The client's address (`local` when the app is called without a connection, as in tests); with
 * `peerHeader`, the address the front put in that header.
 */
export function clientIp(c: Context, peerHeader?: string): string {
  // Behind the header-deadline front (front.ts) every connection comes from loopback; the front
  // sets the client's address in its own header and drops any copy the client sent.
  const forwarded = peerHeader ? c.req.header(peerHeader) : undefined;
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? "local";
  } catch {
    return "local";
  }
}

/** Raised when a request body is too large or too slow; carries the HTTP status. */
export class BodyError extends Error {
  /**
   * @param status 413 (too large) or 408 (too slow)
   * @param message the reason, for the client
   */
  constructor(readonly status: 408 | 413, message: string) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * Reads a request body as it streams in, stopping at `maxBytes` (413) or when the whole body has
 * not arrived within `timeoutMs` (408). A declared Content-Length over the limit is refused before
 * reading anything.
 */
export async function readBody(
  req: Request,
  opts: { maxBytes: number; timeoutMs: number },
): Promise<Uint8Array> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > opts.maxBytes) {
    throw new BodyError(413, `upload larger than ${opts.maxBytes} bytes`);
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, opts.timeoutMs);
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (timedOut) throw new BodyError(408, `upload not received within ${opts.timeoutMs} ms`);
      if (done) break;
      size += value.length;
      if (size > opts.maxBytes) {
        await reader.cancel().catch(() => {});
        throw new BodyError(413, `upload larger than ${opts.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof BodyError) throw e;
    if (timedOut) throw new BodyError(408, `upload not received within ${opts.timeoutMs} ms`);
    throw new InputError("upload", `could not read the request body (${(e as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Methods allowed on `path` by the app's routes (other than the catch-all middleware), for 405
 * answers with an `Allow` header.
 */
export function allowedMethods(app: Hono, path: string): string[] {
  const out = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path === "*" || r.path === "/*") continue;
    const re = new RegExp(
      "^" + r.path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[^/]+/g, "[^/]+")
        .replace(/\*/g, ".*") +
        "$",
    );
    if (re.test(path)) out.add(r.method);
  }
  if (out.has("GET")) out.add("HEAD");
  return [...out].sort();
}
