/**
 * Score-CLI option sets drawn from pools of good and bad values, run in-process against a small
 * scratch case. Handled means exit 0 or 2 with a one-line message and no stack trace.
 * @module
 */
import { join } from "node:path";
import { zipSync } from "fflate";
import { main } from "../cli/score.ts";
import { encodePng } from "../io/image.ts";
import { encodeNpy } from "../io/npy.ts";
import { Rng } from "../random.ts";
import type { FuzzCase } from "./cases.ts";

/** Runs the score CLI in-process; returns its exit code and everything it printed. */
export async function runScoreCli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    return { code: await main(args), out: lines.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** Writes the scratch files the option pools point at. */
export async function writeCliScratch(dir: string): Promise<void> {
  const img = (k: number) => ({
    width: 8,
    height: 6,
    data: Float32Array.from({ length: 144 }, (_, i) => ((i * 7 + k * 31) % 256) / 255),
  });
  for (const d of ["gt", "pred", "npy", "empty", "dev", "other"]) {
    await Deno.mkdir(join(dir, d), { recursive: true });
  }
  const zip: Record<string, Uint8Array> = {};
  for (const k of [0, 1]) {
    await Deno.writeFile(join(dir, "gt", `s_${k}.png`), encodePng(img(k)));
    const p = encodePng(img(k + 1));
    await Deno.writeFile(join(dir, "pred", `s_${k}.png`), p);
    zip[`res/s_${k}.png`] = p;
    await Deno.writeFile(
      join(dir, "npy", `s_${k}.npy`),
      encodeNpy({ dtype: "uint8", shape: [6, 8, 3], data: new Uint8Array(144) }),
    );
    await Deno.writeFile(join(dir, "other", `t_${k}.png`), p);
  }
  await Deno.writeFile(join(dir, "sub.zip"), zipSync(zip));
  await Deno.writeFile(join(dir, "dev", "s_0.png"), zip["res/s_0.png"]);
  await Deno.symlink("/dev/zero", join(dir, "dev", "s_1.png")).catch(() => {});
  await Deno.symlink("/dev/zero", join(dir, "zero.zip")).catch(() => {});
  await Deno.writeTextFile(join(dir, "note.txt"), "not a zip");
}

/** `n` option sets over the scratch folder `dir`. */
export function cliCases(dir: string, seed: number, n: number): FuzzCase[] {
  const rng = new Rng(seed, "fuzz:cli");
  const p = (f: string) => join(dir, f);
  const pools: Record<string, (string | undefined)[]> = {
    "--pred": [
      p("pred"),
      p("sub.zip"),
      p("npy"),
      p("dev"),
      p("zero.zip"),
      p("nope"),
      p("empty"),
      p("note.txt"),
      p("other"),
      undefined,
    ],
    "--gt": [p("gt"), p("gt"), p("other"), p("nope"), p("empty"), p("note.txt"), undefined],
    "--out": [undefined, p("r.json"), p("empty"), "/proc/x.json", p("nope/r.json")],
    "--csv": [undefined, p("r.csv"), p("r.json"), "/proc/y.csv", "-"],
    "--seed": [undefined, "0", "7", "-1", "abc", "1e3", "4294967296", ""],
    "--resamples": [undefined, "100", "2000", "0", "1e12", "NaN", "99", " 200"],
  };
  const extras = [[], [], ["--bogus"], ["positional"], ["--quiet", "--quiet"], ["-h"]];
  return Array.from({ length: n }, (_, i) => {
    const args: string[] = [];
    for (const [opt, pool] of Object.entries(pools)) {
      const v = pool[rng.int(pool.length)];
      if (v !== undefined) args.push(v.startsWith("-") && v !== "-" ? `${opt}=${v}` : opt, v);
    }
    // `--seed=-1` style for values that look like options: drop the duplicate value.
    const flat = args.filter((a, k) => !(k > 0 && args[k - 1].endsWith(`=${a}`)));
    flat.push(...extras[rng.int(extras.length)], "--quiet");
    return {
      name: `cli#${i}:${flat.map((a) => a.replace(dir, "")).join(" ")}`,
      run: async () => {
        const r = await runScoreCli(flat);
        if (![0, 2].includes(r.code) || /unexpected failure|\n\s+at [^\n]*:\d+:\d+/.test(r.out)) {
          throw new Error(`exit ${r.code}: ${r.out.slice(0, 300)}`);
        }
        return r.code;
      },
    };
  });
}
