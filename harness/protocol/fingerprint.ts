/**
 * A dataset's identity for resuming: a SHA-256 over every file of the folder (relative path, size
 * and content). Above `contentLimitBytes` in total, contents are replaced by modification times so
 * large real datasets are not read twice.
 * @module
 */
import { join, relative } from "node:path";

/** Options of {@link datasetFingerprint}. */
export interface FingerprintOptions {
  /** Hash contents only while the folder holds at most this many bytes (default 1 GiB). */
  contentLimitBytes?: number;
  /** Leaves out files and folders for which this returns true (path relative to the root, `/`). */
  skip?: (relPath: string) => boolean;
}

async function walk(
  dir: string,
  out: { path: string; size: number; mtime: number }[],
  skip?: (path: string) => boolean,
) {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (skip?.(p)) continue;
    if (e.isDirectory) await walk(p, out, skip);
    else if (e.isFile) {
      const st = await Deno.stat(p);
      out.push({ path: p, size: st.size, mtime: st.mtime?.getTime() ?? 0 });
    }
  }
}

const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/**
 * Fingerprint of a dataset folder, hex SHA-256.
 * @example
 * ```ts
 * const hash = await datasetFingerprint("out/fixtures/small-seed0");
 * ```
 */
export async function datasetFingerprint(
  root: string,
  opts: FingerprintOptions = {},
): Promise<string> {
  const files: { path: string; size: number; mtime: number }[] = [];
  const skip = opts.skip;
  const toRel = (p: string) => relative(root, p).split("\\").join("/");
  await walk(root, files, skip && ((p) => skip(toRel(p))));
  const rel = files.map((f) => ({ ...f, rel: toRel(f.path) }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const total = rel.reduce((s, f) => s + f.size, 0);
  const byContent = total <= (opts.contentLimitBytes ?? 2 ** 30);
  const lines: string[] = [byContent ? "content" : "stat"];
  for (const f of rel) {
    const id = byContent
      ? hex(await crypto.subtle.digest("SHA-256", await Deno.readFile(f.path)))
      : String(f.mtime);
    lines.push(`${f.rel}\t${f.size}\t${id}`);
  }
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n"))));
}
