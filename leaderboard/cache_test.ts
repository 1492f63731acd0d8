import assert from "node:assert/strict";
import type { Board } from "./board.ts";
import { createBoardCache, type RenderedBoard } from "./cache.ts";

const value = (tag: string): RenderedBoard => ({
  board: { phase: "val", revealed: true, entries: [], perImage: [] } as Board,
  html: tag,
  json: "[]",
  csv: "",
});

Deno.test("board cache: shared builds, stale-while-revalidate, invalidation", async () => {
  let builds = 0;
  let gate: () => void = () => {};
  const build = (tag: string) => () => {
    builds++;
    return new Promise<RenderedBoard>((resolve) => (gate = () => resolve(value(tag))));
  };
  const cache = createBoardCache({ ttlMs: 30 });
  // Concurrent misses share one build.
  const a = cache.get("val", build("v1"));
  const b = cache.get("val", build("other"));
  gate();
  assert.equal((await a).html, "v1");
  assert.equal((await b).html, "v1");
  assert.equal(builds, 1);
  // Fresh: no build.
  assert.equal((await cache.get("val", build("x"))).html, "v1");
  assert.equal(builds, 1);
  // Stale: the old value is served at once while one rebuild runs.
  await new Promise((r) => setTimeout(r, 40));
  assert.equal((await cache.get("val", build("v2"))).html, "v1");
  assert.equal((await cache.get("val", build("v3"))).html, "v1");
  assert.equal(builds, 2);
  gate();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal((await cache.get("val", build("y"))).html, "v2");
  // Invalidation: the next request waits for a fresh build.
  cache.invalidate();
  const c = cache.get("val", build("v4"));
  gate();
  assert.equal((await c).html, "v4");
  // A failed build is not cached.
  cache.invalidate();
  await assert.rejects(cache.get("val", () => Promise.reject(new Error("db down"))));
  const d = cache.get("val", build("v5"));
  gate();
  assert.equal((await d).html, "v5");
});

Deno.test("board cache: TTL 0 builds every time", async () => {
  let n = 0;
  const cache = createBoardCache({ ttlMs: 0 });
  for (let i = 0; i < 3; i++) await cache.get("test", () => Promise.resolve(value(String(n++))));
  assert.equal(n, 3);
});
