import assert from "node:assert/strict";
import { Hono } from "hono";
import { allowedMethods, BodyError, createRateLimiter, readBody } from "./guard.ts";

Deno.test("rate limiter: fixed windows per key, counted exactly", () => {
  const rl = createRateLimiter({ max: 3, windowMs: 1000 });
  assert.deepEqual([1, 2, 3, 4].map(() => rl.hit("a", 0)), [true, true, true, false]);
  assert.equal(rl.blocked("a", 999), true);
  assert.equal(rl.hit("b", 10), true, "keys are independent");
  assert.equal(rl.blocked("a", 1000), false, "a new window starts at windowMs");
  assert.equal(rl.hit("a", 1000), true);
  const small = createRateLimiter({ max: 1, windowMs: 1000, maxKeys: 2 });
  small.hit("x", 0);
  small.hit("y", 0);
  small.hit("z", 0); // evicts x, the oldest
  assert.equal(small.blocked("x", 1), false);
  assert.equal(small.blocked("z", 1), true);
});

Deno.test("readBody: byte limit while streaming, declared length, and a deadline", async () => {
  const req = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://x/", { method: "POST", body, headers });
  assert.deepEqual(
    await readBody(req(new Uint8Array([1, 2, 3])), { maxBytes: 3, timeoutMs: 1000 }),
    new Uint8Array([1, 2, 3]),
  );
  await assert.rejects(
    readBody(req(new Uint8Array(4)), { maxBytes: 3, timeoutMs: 1000 }),
    (e) => e instanceof BodyError && e.status === 413,
  );
  // A declared length over the limit is refused before the body is touched.
  const declared = req(new Uint8Array(1), { "content-length": "1000000" });
  await assert.rejects(
    readBody(declared, { maxBytes: 10, timeoutMs: 1000 }),
    (e) => e instanceof BodyError && e.status === 413,
  );
  // A body that never finishes: 408 at the deadline, not a hang.
  let timer: ReturnType<typeof setInterval> | undefined;
  const slow = new ReadableStream<Uint8Array>({
    start(ctl) {
      timer = setInterval(() => ctl.enqueue(new Uint8Array(1)), 20);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  const t0 = performance.now();
  await assert.rejects(
    readBody(req(slow), { maxBytes: 1e6, timeoutMs: 150 }),
    (e) => e instanceof BodyError && e.status === 408,
  );
  clearInterval(timer);
  const ms = performance.now() - t0;
  assert.ok(ms >= 140 && ms < 2000, `${ms} ms`);
});

Deno.test("allowedMethods lists the methods of the routes matching a path", () => {
  const app = new Hono();
  app.use("*", async (_c, next) => await next());
  app.get("/a/:id", (c) => c.text(""));
  app.post("/a/:id", (c) => c.text(""));
  app.get("/b", (c) => c.text(""));
  assert.deepEqual(allowedMethods(app, "/a/7"), ["GET", "HEAD", "POST"]);
  assert.deepEqual(allowedMethods(app, "/b"), ["GET", "HEAD"]);
  assert.deepEqual(allowedMethods(app, "/c"), []);
  assert.deepEqual(allowedMethods(app, "/a/7/x"), []);
});
