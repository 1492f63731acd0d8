import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { parseExternalManifest, readExternalManifest, substitute } from "./manifest.ts";

const base = {
  name: "demo",
  description: "A demo.",
  params: 12,
  train: ["python3", "train.py", "{train_dir}", "{model_dir}", "--steps", "{opt.steps}"],
  render: ["python3", "render.py", "{model_dir}", "{input_dir}", "{output_dir}", "{seed}"],
  options: { steps: { type: "number", default: 300, description: "training steps" } },
  fastProfile: { steps: 20 },
};

const FILE = "/plugins/demo/isp-method.json";

function rejects(over: Record<string, unknown>, pattern: RegExp, drop: string[] = []) {
  const m: Record<string, unknown> = { ...base, ...over };
  for (const k of drop) delete m[k];
  assert.throws(
    () => parseExternalManifest(m, FILE),
    (e) => {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.file, FILE);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

Deno.test("manifest: a valid manifest with defaults filled in", () => {
  const m = parseExternalManifest(base, FILE);
  assert.equal(m.name, "demo");
  assert.equal(m.dir, "/plugins/demo");
  assert.equal(m.params, 12);
  assert.equal(m.raw, "float");
  assert.equal(m.usesTruth, false);
  assert.deepEqual(m.env, {});
  assert.equal(m.timeLimitS, undefined);
  assert.deepEqual(m.fastProfile, { steps: 20 });
  assert.deepEqual(m.options.steps, {
    type: "number",
    default: 300,
    description: "training steps",
  });
  const m2 = parseExternalManifest(
    {
      ...base,
      params: undefined,
      paramsFrom: "{model_dir}/model.onnx",
      raw: "ntire",
      usesTruth: true,
      env: { OMP_NUM_THREADS: "2" },
      timeLimitS: 60,
      memoryLimitMb: 512,
      $comment: "free",
    },
    FILE,
  );
  assert.equal(m2.paramsFrom, "{model_dir}/model.onnx");
  assert.equal(m2.raw, "ntire");
  assert.equal(m2.usesTruth, true);
  assert.deepEqual(m2.env, { OMP_NUM_THREADS: "2" });
  assert.equal(m2.memoryLimitMb, 512);
});

Deno.test("manifest: every error names the field and the file", () => {
  rejects({ name: "Bad Name" }, /field "name": must be a lower-case name/);
  rejects({}, /field "description": must be a non-empty string/, ["description"]);
  rejects({}, /field "params": required: a parameter count, or "paramsFrom"/, ["params"]);
  rejects({ params: -1 }, /field "params": must be a non-negative integer, got -1/);
  rejects({ paramsFrom: "m.pt" }, /field "paramsFrom": must be the path of an \.onnx file/);
  rejects({ paramsFrom: "m.onnx" }, /field "paramsFrom": give either/);
  rejects({ params: undefined, paramsFrom: "{input_dir}/m.onnx" }, /only \{model_dir\}/);
  rejects({ usesTruth: "yes" }, /field "usesTruth": must be true or false/);
  rejects({ raw: "uint16" }, /field "raw": must be "float" or "ntire", got "uint16"/);
  rejects({ env: { A: 1 } }, /field "env\.A": must be a string, got 1/);
  rejects({ env: { "1A": "x" } }, /field "env\.1A": not a valid variable name/);
  rejects({ timeLimitS: 0 }, /field "timeLimitS": must be a number > 0, got 0/);
  rejects({ memoryLimitMb: "1G" }, /field "memoryLimitMb": must be a number > 0/);
  rejects({ timeLimit: 5 }, /field "timeLimit": unknown field/);
  rejects({}, /field "render": required/, ["render"]);
  rejects({ render: "python3 render.py" }, /field "render": must be a non-empty array of strings/);
  rejects({ render: [] }, /field "render": must be a non-empty array/);
  rejects({ train: ["python3", 5] }, /field "train\[1\]": must be a string, got 5/);
  rejects(
    { render: ["r", "{input_dir}", "{output_dir}", "{inputdir}"] },
    /field "render\[3\]": unknown placeholder \{inputdir\}/,
  );
  rejects(
    { train: ["t", "{input_dir}"] },
    /field "train\[1\]": unknown placeholder \{input_dir\} \(here: \{model_dir\}/,
  );
  rejects({ render: ["r", "{input_dir}"] }, /field "render": must pass \{output_dir\}/);
  rejects(
    { render: ["r", "{input_dir}", "{output_dir}", "{opt.lr}"] },
    /field "render\[3\]": \{opt\.lr\} names no declared option/,
  );
  rejects({ render: ["{model_dir}/run", "{input_dir}", "{output_dir}"] }, /"render\[0\]"/);
  rejects(
    { options: { steps: { type: "int", default: 1, description: "" } } },
    /field "options\.steps\.type": must be "number", "string" or "boolean", got "int"/,
  );
  rejects(
    { options: { steps: { type: "number", default: "1", description: "" } } },
    /field "options\.steps\.default": must be a number, got "1"/,
  );
  rejects(
    { options: { steps: { type: "number", default: 1 } } },
    /field "options\.steps\.description": must be a string/,
  );
  rejects(
    { options: { mode: { type: "string", default: "c", description: "", choices: ["a"] } } },
    /field "options\.mode\.default": "c" is not one of the choices/,
  );
  rejects(
    { options: { pluginHash: { type: "string", default: "", description: "" } } },
    /field "options\.pluginHash": reserved/,
  );
  rejects({ fastProfile: { lr: 1 } }, /field "fastProfile\.lr": names no declared option/);
  rejects({ fastProfile: { steps: "20" } }, /field "fastProfile\.steps": must be a number/);
});

Deno.test("manifest: unreadable or non-JSON files name the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-manifest-" });
  try {
    const f = join(dir, "isp-method.json");
    await assert.rejects(readExternalManifest(f), /isp-method\.json: cannot read manifest/);
    await Deno.writeTextFile(f, "{ name: 1 ");
    await assert.rejects(
      readExternalManifest(f),
      (e) => e instanceof InputError && e.file === f && /not valid JSON/.test(e.message),
    );
    await Deno.writeTextFile(f, "[]");
    await assert.rejects(readExternalManifest(f), /manifest must be a JSON object/);
    await Deno.writeTextFile(f, JSON.stringify(base));
    assert.equal((await readExternalManifest(f)).dir, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("substitute: placeholders and option values, other braces kept", () => {
  const v = { model_dir: "/m", "opt.steps": "20" };
  assert.equal(substitute("--out={model_dir}/w.pt", v), "--out=/m/w.pt");
  assert.equal(substitute("{opt.steps}", v), "20");
  assert.equal(substitute('{"a": 1}', v), '{"a": 1}');
  assert.throws(() => substitute("{seed}", v), /placeholder \{seed\} has no value/);
});
