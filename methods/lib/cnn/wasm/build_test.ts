import assert from "node:assert/strict";
import { compileKernels } from "./build.ts";

Deno.test("the committed kernels.wasm is exactly what kernels.as compiles to", async () => {
  const fresh = await compileKernels();
  const committed = await Deno.readFile(new URL("./kernels.wasm", import.meta.url));
  assert.equal(committed.length, fresh.length, "size differs: run `deno task build:cnn-wasm`");
  assert.deepEqual(committed, fresh, "bytes differ: run `deno task build:cnn-wasm`");
  assert(WebAssembly.validate(fresh));
});
