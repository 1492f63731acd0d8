import assert from "node:assert/strict";
import { openSqlite } from "../harness/store/sqlite.ts";
import { PEER_HEADER, startFront } from "./front.ts";
import { serveLeaderboard } from "./serve.ts";
import { migrateAll } from "./testing.ts";

/** An upstream that echoes what the front forwarded: method, path, peer, connection, body. */
function echoServer(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    return Response.json({
      method: req.method,
      path: new URL(req.url).pathname,
      peer: req.headers.get(PEER_HEADER),
      connection: req.headers.get("connection"),
      body,
    });
  });
}

async function readAll(conn: Deno.Conn, limitMs: number): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), limitMs);
  try {
    for (;;) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  const text = new TextDecoder().decode(
    chunks.reduce((a, b) => new Uint8Array([...a, ...b]), new Uint8Array()),
  );
  return { text, ms: performance.now() - t0 };
}

Deno.test("front: forwards requests with the peer address, drops a spoofed one, keep-alive and chunked bodies", async () => {
  const up = echoServer();
  const front = startFront({ port: 0, upstream: { hostname: "127.0.0.1", port: up.addr.port } });
  try {
    const r = await fetch(`http://127.0.0.1:${front.port}/api/x`, {
      method: "POST",
      headers: { [PEER_HEADER]: "6.6.6.6", "content-type": "text/plain" },
      body: "hello body",
    });
    assert.equal(r.status, 200);
    const j = await r.json();
    assert.deepEqual(j, {
      method: "POST",
      path: "/api/x",
      peer: "127.0.0.1",
      connection: null,
      body: "hello body",
    });
    // Many sequential requests (fetch keeps its connection alive) all pass, with their own paths.
    for (let i = 0; i < 20; i++) {
      const g = await fetch(`http://127.0.0.1:${front.port}/n${i}`);
      assert.equal((await g.json()).path, `/n${i}`);
    }
    // Two requests on one raw connection: a chunked body with a trailer, then a plain GET.
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    await raw.write(new TextEncoder().encode(
      "POST /c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n" +
        "5\r\nhello\r\n6\r\n chunk\r\n0\r\nx-trailer: 1\r\n\r\n" +
        "GET /second HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    ));
    const both = (await readAll(raw, 5000)).text;
    assert.match(both, /"path":"\/c".*"body":"hello chunk"/s);
    assert.match(both, /"path":"\/second"/);
  } finally {
    await front.close();
    await up.shutdown();
  }
});

Deno.test("front: an unfinished header block is cut at the deadline; an oversized one gets 431", async () => {
  const up = echoServer();
  const front = startFront({
    port: 0,
    upstream: { hostname: "127.0.0.1", port: up.addr.port },
    headerTimeoutMs: 300,
    maxHeaderBytes: 1024,
  });
  try {
    // Slowloris: a request line and one header, then nothing. Without the front this stays open.
    const slow = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    await slow.write(new TextEncoder().encode("GET / HTTP/1.1\r\nhost: x\r\n"));
    const cut = await readAll(slow, 5000);
    assert.equal(cut.text, "");
    assert.ok(cut.ms >= 250 && cut.ms < 2000, `closed after ${cut.ms} ms`);

    // The same on a kept-alive connection: a full request, then a second one that stalls.
    const kept = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    await kept.write(
      new TextEncoder().encode("GET /one HTTP/1.1\r\nhost: x\r\n\r\nGET /two HTTP/1.1\r\n"),
    );
    const first = await readAll(kept, 5000);
    assert.match(first.text, /"path":"\/one"/);
    assert.doesNotMatch(first.text, /\/two/);
    assert.ok(first.ms < 2000, `kept-alive slow request cut after ${first.ms} ms`);

    const big = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    await big.write(new TextEncoder().encode(`GET / HTTP/1.1\r\nx-pad: ${"a".repeat(2000)}\r\n`));
    const refused = await readAll(big, 5000);
    assert.match(refused.text, /^HTTP\/1\.1 431 /);

    // The server still answers others while a slow client waits.
    const slow2 = await Deno.connect({ hostname: "127.0.0.1", port: front.port });
    await slow2.write(new TextEncoder().encode("GET /"));
    const ok = await fetch(`http://127.0.0.1:${front.port}/fine`);
    assert.equal((await ok.json()).path, "/fine");
    slow2.close();
  } finally {
    await front.close();
    await up.shutdown();
  }
});

Deno.test({
  name:
    "serve: the leaderboard listens through the front; a spoofed peer header cannot dodge throttling",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = openSqlite(":memory:");
    await migrateAll(db);
    const server = await serveLeaderboard({
      db,
      port: 0,
      worker: false,
      headerTimeoutMs: 300,
      requestsPerMinute: 3,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      assert.equal((await (await fetch(`${base}/healthz`)).text()).length > 0, true);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        // A different "client address" each time: the front replaces it with the real one.
        const r = await fetch(`${base}/api/leaderboard?phase=val`, {
          headers: { [PEER_HEADER]: `10.0.0.${i}` },
        });
        await r.body?.cancel();
        codes.push(r.status);
      }
      assert.deepEqual(codes.slice(3), [429, 429], `statuses ${codes}`);
      const slow = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await slow.write(new TextEncoder().encode("POST /api/submissions HTTP/1.1\r\n"));
      const cut = await readAll(slow, 5000);
      assert.ok(cut.text === "" && cut.ms < 2000, `closed after ${cut.ms} ms`);
    } finally {
      await server.close();
      await db.close();
    }
  },
});
