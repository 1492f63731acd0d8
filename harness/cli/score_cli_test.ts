import assert from "node:assert/strict";
import { join } from "node:path";
import { zipSync } from "fflate";
import { encodePng } from "../io/image.ts";
import { encodeNpy } from "../io/npy.ts";
import { main } from "./score.ts";

/** Runs the score CLI in-process; returns its exit code and what it printed. */
export async function runScore(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    const code = await main([...args, "--quiet"]);
    return { code, out: lines.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Targets a_0, a_1 (16×12) and matching predictions, as PNGs. */
export async function smallCase(dir: string): Promise<void> {
  const img = (k: number) => ({
    width: 16,
    height: 12,
    data: Float32Array.from({ length: 16 * 12 * 3 }, (_, i) => ((i * 7 + k * 31) % 256) / 255),
  });
  await Deno.mkdir(join(dir, "gt"), { recursive: true });
  await Deno.mkdir(join(dir, "pred"), { recursive: true });
  for (const k of [0, 1]) {
    await Deno.writeFile(join(dir, "gt", `a_${k}.png`), encodePng(img(k)));
    await Deno.writeFile(join(dir, "pred", `a_${k}.png`), encodePng(img(k + 1)));
  }
}

Deno.test("score CLI: every user mistake exits 2 with a one-line message and no stack", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-cli-" });
  await smallCase(dir);
  const gt = join(dir, "gt");
  const pred = join(dir, "pred");
  const p0 = await Deno.readFile(join(pred, "a_0.png"));
  const p1 = await Deno.readFile(join(pred, "a_1.png"));
  // Predictions saved as arrays instead of images.
  await Deno.mkdir(join(dir, "npy"));
  for (const k of [0, 1]) {
    await Deno.writeFile(
      join(dir, "npy", `a_${k}.npy`),
      encodeNpy({ dtype: "uint8", shape: [12, 16, 3], data: new Uint8Array(576) }),
    );
  }
  // Targets of another phase.
  await Deno.mkdir(join(dir, "testgt"));
  await Deno.copyFile(join(gt, "a_0.png"), join(dir, "testgt", "t_0.png"));
  // A prediction that is a symlink to a device.
  await Deno.mkdir(join(dir, "dev"));
  await Deno.writeFile(join(dir, "dev", "a_0.png"), p0);
  await Deno.symlink("/dev/zero", join(dir, "dev", "a_1.png"));
  await Deno.symlink("/dev/zero", join(dir, "zero.zip"));
  // An entry name with an ANSI escape sequence.
  await Deno.writeFile(
    join(dir, "ansi.zip"),
    zipSync({ "a_0.png": p0, "a_1.png": p1, "\x1b[31mred\x1b[0m.png": p1 }),
  );
  await Deno.mkdir(join(dir, "adir.json"));
  const cases: [string[], RegExp][] = [
    [["--pred", join(dir, "npy"), "--gt", gt], /predictions must be PNG or JPEG/],
    [["--pred", join(dir, "npy", "a_0.npy"), "--gt", gt], /must be PNG or JPEG images/],
    [["--pred", pred, "--gt", join(dir, "testgt")], /same phase \(val or test\)/],
    [["--pred", join(dir, "dev"), "--gt", gt], /a_1\.png: symlink to something that is not a/],
    [["--pred", join(dir, "zero.zip"), "--gt", gt], /zero\.zip: not a regular file/],
    [["--pred", join(dir, "ansi.zip"), "--gt", gt], /match no target: \\x1b\[31mred\\x1b\[0m/],
    [["--pred", pred, "--gt", gt, "--resamples", "0"], /--resamples: expected a whole number/],
    [["--pred", pred, "--gt", gt, "--resamples", "1e12"], /--resamples: expected a whole number/],
    [["--pred", pred, "--gt", gt, "--seed=-1"], /--seed: expected a whole number/],
    [["--pred", pred, "--gt", gt, "--out", join(dir, "adir.json")], /--out: .* not a regular/],
    [["--pred", pred, "--gt", gt, "--out", join(dir, "no/such/r.json")], /does not exist/],
    [["--pred", pred, "--gt", gt, "--csv", "-"], /--csv: '-' is only accepted by --out/],
    [["--pred", pred], /--gt: required/],
    [["--pred", pred, "--gt", join(dir, "nope")], /nope: cannot list folder/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--pred"], /argument missing|requires a value|--pred/],
  ];
  for (const [args, re] of cases) {
    const r = await runScore(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.out}`);
    assert.match(r.out, re, args.join(" "));
    assert.ok(!r.out.includes("\x1b"), `raw escape: ${args.join(" ")}`);
    assert.doesNotMatch(r.out, /\n\s+at \S+:\d+:\d+/, `stack: ${args.join(" ")}`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score CLI: outputs are written together or not at all, no temp file left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-cli-" });
  await smallCase(dir);
  const out = join(dir, "r.json");
  await Deno.writeTextFile(out, "old");
  // The CSV cannot be written (a read-only folder; /proc when running as root, which ignores
  // permissions): r.json must keep its old content.
  await Deno.mkdir(join(dir, "ro"));
  await Deno.chmod(join(dir, "ro"), 0o555);
  const csv = Deno.uid() === 0 ? "/proc/x.csv" : join(dir, "ro", "x.csv");
  const r = await runScore([
    "--pred",
    join(dir, "pred"),
    "--gt",
    join(dir, "gt"),
    "--out",
    out,
    "--csv",
    csv,
  ]);
  assert.equal(r.code, 2, r.out);
  assert.match(r.out, /x\.csv: cannot write/);
  assert.equal(await Deno.readTextFile(out), "old");
  const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".tmp-"));
  assert.deepEqual(left, []);
  const ok = await runScore(["--pred", join(dir, "pred"), "--gt", join(dir, "gt"), "--out", out]);
  assert.equal(ok.code, 0, ok.out);
  assert.equal(JSON.parse(await Deno.readTextFile(out)).images.length, 2);
  assert.doesNotMatch(ok.out, /NaN/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score CLI: symlinked predictions are followed and NFD names match NFC targets", async () => {
  const dir = await Deno.makeTempDir({ prefix: "score-cli-" });
  await smallCase(dir);
  const nfc = "caf\u00e9_0";
  await Deno.rename(join(dir, "gt", "a_0.png"), join(dir, "gt", `${nfc}.png`));
  await Deno.rename(
    join(dir, "pred", "a_0.png"),
    join(dir, "pred", `${nfc.normalize("NFD")}.png`),
  );
  await Deno.mkdir(join(dir, "links"));
  for (const f of Deno.readDirSync(join(dir, "pred"))) {
    await Deno.symlink(join(dir, "pred", f.name), join(dir, "links", f.name));
  }
  for (const p of ["pred", "links"]) {
    const r = await runScore(["--pred", join(dir, p), "--gt", join(dir, "gt")]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /images\s+2/);
  }
  await Deno.remove(dir, { recursive: true });
});
