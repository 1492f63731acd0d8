/**
 * Hostile HTTP requests against the leaderboard app, for the fuzz suite and the load bench:
 * wrong methods, path tricks, bad tokens, malformed bodies, lying images and zip bombs. A probe
 * is handled when the app answers below 500 (and, for uploads that were queued, when the scoring
 * worker later fails them with a message and serves no crop).
 * @module
 */
import { zipSync } from "fflate";
import type { FuzzCase } from "../harness/fuzz/cases.ts";
import { Rng } from "../harness/random.ts";
import { pngFile } from "../harness/testing/png.ts";

/** What the probes need. */
export interface ProbeTarget {
  /** Sends a request (e.g. `app.request`, or `fetch` against a base URL). */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A valid team token. */
  token: string;
  /** A validation image name. */
  valImage: string;
}

/** A ~70-byte PNG whose header claims `width`×`height` (CRCs valid, data tiny). */
export function lyingPng(width: number, height: number): Uint8Array {
  return pngFile(width, height, Uint8Array.of(0x78, 0x9c), 16);
}

/**
 * A zip bomb whose headers lie: one entry of `mib` MiB of zeros that declares 1000 bytes in
 * both its local and central headers, so only counting the inflated bytes can stop it.
 */
export function lyingZipBomb(name: string, mib: number): Uint8Array {
  const zip = zipSync({ [name]: new Uint8Array(mib * 2 ** 20) }, { level: 9 });
  const v = new DataView(zip.buffer);
  for (let i = 0; i + 4 <= zip.length; i++) {
    const sig = v.getUint32(i, true);
    if (sig === 0x04034b50) v.setUint32(i + 22, 1000, true);
    if (sig === 0x02014b50) v.setUint32(i + 24, 1000, true);
  }
  return zip;
}

/** The probes: a fixed hostile set first, then `random` seeded method/path/header mixes. */
export function httpProbes(t: ProbeTarget, seed: number, random = 24): FuzzCase[] {
  const auth = { authorization: `Bearer ${t.token}` };
  const zip = (body: Uint8Array, q = "phase=val&name=probe") => ({
    path: `/api/submissions?${q}`,
    init: {
      method: "POST",
      headers: { ...auth, "content-type": "application/zip" },
      body: body as Uint8Array<ArrayBuffer>,
    },
  });
  const fixed: [string, { path: string; init?: RequestInit }][] = [
    ["lying-png-1e9x1", zip(zipSync({ [`${t.valImage}.png`]: lyingPng(1e9, 1) }))],
    ["lying-png-2^31-1", zip(zipSync({ [`${t.valImage}.png`]: lyingPng(2 ** 31 - 1, 1) }))],
    ["lying-zip-bomb", zip(lyingZipBomb(`${t.valImage}.png`, 16))],
    ["declared-zip-bomb", zip(zipSync({ "a.png": new Uint8Array(16 * 2 ** 20) }, { level: 9 }))],
    ["ansi-name", zip(zipSync({ "\x1b[2J\x1b[31mx.png": lyingPng(8, 8) }))],
    ["multipart-no-boundary", {
      path: "/api/submissions?phase=val",
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "multipart/form-data" },
        body: "x",
      },
    }],
    ["multipart-garbage", {
      path: "/api/submissions?phase=val",
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "multipart/form-data; boundary=zz" },
        body: '--zz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
      },
    }],
    ["not-a-zip", zip(new TextEncoder().encode("PK\x05\x06 nope"))],
    ["bad-token", {
      path: "/api/submissions",
      init: { headers: { authorization: "Bearer " + "x".repeat(5000) } },
    }],
    ["sql-in-phase", { path: "/api/leaderboard?phase=val'%20OR%201=1--" }],
    ["traversal", { path: "/static/..%2f..%2fdeno.json" }],
    ["crop-of-nothing", { path: `/crops/submission/nope/${t.valImage}/output.png` }],
    ["long-path", { path: "/" + "a/".repeat(4000) }],
    ["delete-board", { path: "/api/leaderboard", init: { method: "DELETE" } }],
  ];
  const cases: FuzzCase[] = fixed.map(([name, r]) => ({
    name: `http:${name}`,
    run: () => probe(t, r.path, r.init),
  }));
  const rng = new Rng(seed, "fuzz:http");
  const methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
  const paths = [
    "/",
    "/phase/val",
    "/phase/test",
    "/phase/%00",
    "/method/%3Cscript%3E",
    "/submissions/x",
    "/api/leaderboard?phase=test",
    "/api/leaderboard.csv?phase=val",
    "/api/submissions",
    "/api/submissions/%2e%2e",
    "/api/admin/phases/test/reveal",
    `/crops/method/x/${t.valImage}/target.png`,
    "/static/style.css",
    "/healthz",
  ];
  const headers: Record<string, string>[] = [{}, auth, { authorization: "Basic eDp5" }, {
    "content-type": "text/plain",
  }, {
    "content-length": "999999999",
  }];
  for (let i = 0; i < random; i++) {
    const method = methods[rng.int(methods.length)];
    const path = paths[rng.int(paths.length)];
    const h = headers[rng.int(headers.length)];
    const body = method === "GET" || method === "HEAD" ? undefined : "x".repeat(rng.int(100));
    cases.push({
      name: `http#${i}:${method} ${path}`,
      run: () => probe(t, path, { method, headers: h, body }),
    });
  }
  return cases;
}

async function probe(t: ProbeTarget, path: string, init?: RequestInit): Promise<number> {
  let res: Response;
  try {
    res = await t.request(path, init);
  } catch (e) {
    // A request the HTTP layer itself refuses (e.g. a lying content-length) is not a server fault.
    if (e instanceof TypeError) return 0;
    throw e;
  }
  const body = await res.text();
  if (res.status >= 500) throw new Error(`${res.status}: ${body.slice(0, 200)}`);
  return res.status;
}
