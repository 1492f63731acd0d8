/**
 * Rebuilds kernels.wasm from kernels.as with AssemblyScript (`deno task build:cnn-wasm`), or with
 * `--check` verifies that the committed kernels.wasm is exactly what the source compiles to.
 * @module
 */
import { parseCli } from "../../../../harness/cli/args.ts";

/** The pinned AssemblyScript compiler version (the build is byte-reproducible with it). */
export const ASC_VERSION = "0.28.20";

/** Compiles kernels.as and returns the wasm bytes. */
export async function compileKernels(): Promise<Uint8Array<ArrayBuffer>> {
  const dir = await Deno.makeTempDir({ prefix: "cnn_asc_" });
  try {
    // asc only accepts .ts sources; the committed file is .as so Deno's tooling ignores it
    await Deno.copyFile(new URL("./kernels.as", import.meta.url), `${dir}/kernels.ts`);
    const args = [
      "-y",
      "-p",
      `assemblyscript@${ASC_VERSION}`,
      "asc",
      `${dir}/kernels.ts`,
      "-O3",
      "--enable",
      "simd",
      "--runtime",
      "stub",
      "--importMemory",
      "--initialMemory",
      "1",
      "-o",
      `${dir}/kernels.wasm`,
    ];
    const r = await new Deno.Command("npx", { args, stdout: "piped", stderr: "piped" }).output();
    if (!r.success) throw new Error(`asc failed: ${new TextDecoder().decode(r.stderr)}`);
    return await Deno.readFile(`${dir}/kernels.wasm`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseCli({
    name: "build:cnn-wasm",
    usage: `usage: npx -y deno@2.9.6 task build:cnn-wasm [--check]

Compiles methods/lib/cnn/wasm/kernels.as with AssemblyScript ${ASC_VERSION} (fetched by npx) and
writes kernels.wasm beside it; the build is byte-reproducible.

Options:
  --check    only compare a fresh build with the committed kernels.wasm (exit 1 if they differ)
  --help     this text`,
    options: { check: { type: "boolean" } },
  });
  const fresh = await compileKernels();
  const target = new URL("./kernels.wasm", import.meta.url);
  if (values.check) {
    const committed = await Deno.readFile(target);
    const same = committed.length === fresh.length && committed.every((b, i) => b === fresh[i]);
    console.log(same ? "kernels.wasm is up to date" : "kernels.wasm differs from a fresh build");
    Deno.exit(same ? 0 : 1);
  }
  await Deno.writeFile(target, fresh);
  console.log(`wrote kernels.wasm (${fresh.length} bytes)`);
}
