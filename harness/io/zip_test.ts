import assert from "node:assert/strict";
import { join } from "node:path";
import { runPython } from "../testing/python.ts";
import { InputError } from "../errors.ts";
import { listZip, readZip, unsafeEntryName } from "./zip.ts";

/** Builds the test archives with Python's zipfile, an implementation independent of fflate. */
async function makeZips(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await runPython(
    `
import sys, os, zipfile, struct
d = sys.argv[1]
def z(name, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(d, name), "w", method) as f:
        for n, data in entries: f.writestr(n, data)
z("ok.zip", [("a.png", b"x" * 1000), ("sub/", b""), ("sub/b.png", bytes(range(256)) * 4), ("empty.txt", b"")])
z("stored.zip", [("a.png", b"abc")], zipfile.ZIP_STORED)
z("dotdot.zip", [("../evil.png", b"x")])
z("nested_dotdot.zip", [("a/../../evil.png", b"x")])
z("abs.zip", [("/etc/passwd", b"x")])
z("win.zip", [("C:/evil.png", b"x")])
z("bomb.zip", [("big.png", b"\\0" * 30_000_000)])
z("many.zip", [("f%d.png" % i, b"") for i in range(50)])
b = bytearray(open(os.path.join(d, "bomb.zip"), "rb").read())
struct.pack_into("<I", b, b.find(b"PK\\x03\\x04") + 22, 100)
struct.pack_into("<I", b, b.find(b"PK\\x01\\x02") + 24, 100)
open(os.path.join(d, "liar.zip"), "wb").write(b)
ok = open(os.path.join(d, "ok.zip"), "rb").read()
open(os.path.join(d, "truncated.zip"), "wb").write(ok[: len(ok) // 2])
c = ok.find(b"PK\\x01\\x02")
open(os.path.join(d, "spliced.zip"), "wb").write(ok[:60] + ok[c:])
bad = bytearray(ok)
bad[40:60] = b"\\xff" * 20
open(os.path.join(d, "corrupt.zip"), "wb").write(bad)
`,
    [dir],
  );
  return dir;
}

Deno.test("zip entries are read in memory with their exact content", async () => {
  const dir = await makeZips();
  const ok = readZip(await Deno.readFile(join(dir, "ok.zip")), "ok.zip");
  assert.deepEqual(ok.map((e) => e.name), ["a.png", "sub/b.png", "empty.txt"]);
  assert.deepEqual(ok[0].data, new Uint8Array(1000).fill(0x78));
  assert.deepEqual(
    Array.from(ok[1].data.subarray(0, 256)),
    Array.from({ length: 256 }, (_, i) => i),
  );
  assert.equal(ok[2].data.length, 0);
  const stored = readZip(await Deno.readFile(join(dir, "stored.zip")), "stored.zip");
  assert.equal(new TextDecoder().decode(stored[0].data), "abc");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unsafe names, bombs, lying headers and truncation are rejected with the archive named", async () => {
  const dir = await makeZips();
  const limits = { maxEntryBytes: 10_000_000, maxTotalBytes: 20_000_000, maxEntries: 40 };
  const cases: [string, RegExp][] = [
    ["dotdot.zip", /dotdot.zip!..\/evil.png: unsafe entry name \('..' path segment\)/],
    ["nested_dotdot.zip", /unsafe entry name \('..' path segment\)/],
    ["abs.zip", /unsafe entry name \(absolute path\)/],
    ["win.zip", /unsafe entry name \(drive-letter path\)/],
    ["bomb.zip", /bomb.zip!big.png: expands past the per-entry limit of 10000000 bytes/],
    ["liar.zip", /liar.zip!big.png: expands past the per-entry limit/],
    ["many.zip", /more than 40 entries/],
    ["truncated.zip", /truncated or corrupt zip/],
    ["spliced.zip", /corrupt zip: 1 entries readable, 4 declared/],
    ["corrupt.zip", /corrupt/],
  ];
  for (const [name, re] of cases) {
    assert.throws(() => readZip(Deno.readFileSync(join(dir, name)), name, limits), (e: unknown) => {
      assert.ok(e instanceof InputError, `${name}: ${e}`);
      assert.match(e.message, re, name);
      return true;
    });
  }
  assert.throws(
    () => readZip(Deno.readFileSync(join(dir, "bomb.zip")), "b.zip", { maxTotalBytes: 1000 }),
    /b.zip: expands past the total limit of 1000 bytes/,
  );
  assert.throws(() => readZip(new Uint8Array(100), "zeros.zip"), /not a zip archive/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("unsafeEntryName accepts plain relative names only", () => {
  assert.equal(unsafeEntryName("a/b/c.png"), undefined);
  assert.equal(unsafeEntryName("a..b.png"), undefined);
  assert.equal(unsafeEntryName("a\\..\\b.png"), "'..' path segment");
  assert.equal(unsafeEntryName("\\\\server\\x"), "absolute path");
});

Deno.test("listZip reads names and declared sizes from the central directory only", async () => {
  const dir = await makeZips();
  const read = (n: string) => Deno.readFile(join(dir, n));
  const ok = listZip(await read("ok.zip"), "ok.zip");
  assert.deepEqual(ok.map((e) => [e.name, e.declaredBytes]), [
    ["a.png", 1000],
    ["sub/", 0],
    ["sub/b.png", 1024],
    ["empty.txt", 0],
  ]);
  // The bomb is refused from its declared size, in well under a millisecond per entry.
  const bomb = await read("bomb.zip");
  assert.throws(
    () => listZip(bomb, "bomb.zip", { maxEntryBytes: 2 ** 20 }),
    /bomb\.zip!big\.png: declares 30000000 bytes, over the 1048576-byte limit/,
  );
  // The liar passes the listing (its headers claim 100 bytes) and is stopped by readZip.
  const liar = await read("liar.zip");
  assert.equal(listZip(liar, "liar.zip", { maxEntryBytes: 2 ** 20 })[0].declaredBytes, 100);
  assert.throws(() => readZip(liar, "liar.zip", { maxEntryBytes: 2 ** 20 }), /expands past/);
  const cases: [string, RegExp][] = [
    ["dotdot.zip", /unsafe entry name/],
    ["abs.zip", /unsafe entry name \(absolute path\)/],
    ["truncated.zip", /no end-of-central-directory/],
  ];
  for (const [name, re] of cases) {
    assert.throws(() => listZip(Deno.readFileSync(join(dir, name)), name), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, re);
      return true;
    });
  }
  assert.throws(
    () => listZip(Deno.readFileSync(join(dir, "many.zip")), "many.zip", { maxEntries: 10 }),
    /more than 10/,
  );
  await Deno.remove(dir, { recursive: true });
});
