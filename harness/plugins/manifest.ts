/**
 * `isp-method.json`: the manifest of an external method (a program in any language that the
 * harness trains and runs through argv commands). Reading it checks every field, so a typo fails
 * at load time with the field and the file named, not hours later inside a run.
 *
 * ```json
 * {
 *   "name": "my-method",
 *   "description": "One paragraph for the leaderboard.",
 *   "params": 7055,
 *   "train": ["/usr/bin/python3", "train.py", "{train_dir}", "{model_dir}", "--steps", "{opt.steps}"],
 *   "render": ["/usr/bin/python3", "render.py", "{model_dir}", "{input_dir}", "{output_dir}"],
 *   "options": { "steps": { "type": "number", "default": 300, "description": "training steps" } },
 *   "fastProfile": { "steps": 20 }
 * }
 * ```
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { InputError } from "../errors.ts";
import type { OptionSpec } from "../method.ts";
import type { OptionValues } from "../registry.ts";

/** How RAW patches are written for the program. */
export type RawFormat = "float" | "ntire";

/** A validated `isp-method.json`. */
export interface ExternalManifest {
  /** Absolute path of the manifest file. */
  readonly path: string;
  /** Absolute path of its folder: the working directory of every command. */
  readonly dir: string;
  /** Method name (kebab-case). */
  readonly name: string;
  /** One paragraph for the leaderboard. */
  readonly description: string;
  /** Declared learned-parameter count, when given as a number. */
  readonly params?: number;
  /** ONNX file to count parameters from (may use `{model_dir}`), when `params` is absent. */
  readonly paramsFrom?: string;
  /** True for upper bounds: the train split then includes the true targets. */
  readonly usesTruth: boolean;
  /** `float` (default): float32 in [0, 1]; `ntire`: uint16 DN 0–1023. */
  readonly raw: RawFormat;
  /** Extra environment variables of the commands. */
  readonly env: Readonly<Record<string, string>>;
  /** Wall-clock limit of each command, seconds (absent: none). */
  readonly timeLimitS?: number;
  /** Limit on the resident memory of each command's process group, MiB (absent: none). */
  readonly memoryLimitMb?: number;
  /** Training command (argv with placeholders); absent for methods with nothing to learn. */
  readonly train?: readonly string[];
  /** Rendering command, run once per phase. */
  readonly render: readonly string[];
  /** Named options, reaching commands through `{opt.KEY}`. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Option values for quick CPU benches (`--profile fast`). */
  readonly fastProfile: OptionValues;
}

/** Placeholders every command may use. */
export const COMMON_PLACEHOLDERS: readonly string[] = ["model_dir", "seed", "device"];
/** Placeholders of the train command only. */
export const TRAIN_PLACEHOLDERS: readonly string[] = ["train_dir"];
/** Placeholders of the render command only. */
export const RENDER_PLACEHOLDERS: readonly string[] = ["input_dir", "output_dir"];
/** Option name the harness adds to every plug-in method: the hash of its code. */
export const PLUGIN_HASH_OPTION = "pluginHash";

const FIELDS = new Set([
  "name",
  "description",
  "params",
  "paramsFrom",
  "usesTruth",
  "raw",
  "env",
  "timeLimitS",
  "memoryLimitMb",
  "train",
  "render",
  "options",
  "fastProfile",
]);

/** `{name}` or `{opt.key}` inside an argv element. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}/g;
/** Method names of plug-ins: they also name run folders, so no path characters. */
export const PLUGIN_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const NAME = PLUGIN_NAME;
const OPTION_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads and validates an `isp-method.json`.
 *
 * @throws {InputError} naming the file and the field when the file is unreadable, not JSON, or a
 * field is missing, unknown or ill-typed
 * @example
 * ```ts
 * const m = await readExternalManifest("methods/examples/torch-color-cnn/isp-method.json");
 * console.log(m.name, m.render);
 * ```
 */
export async function readExternalManifest(path: string): Promise<ExternalManifest> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await Deno.readTextFile(abs);
  } catch (e) {
    throw new InputError(path, `cannot read manifest: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(path, `manifest is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseExternalManifest(json, abs);
}

/**
 * Validates a parsed manifest; `path` is the manifest file (absolute or relative to the working
 * directory), named in errors and giving the commands' working directory.
 *
 * @throws {InputError} naming `path` and the field at fault
 */
export function parseExternalManifest(json: unknown, path: string): ExternalManifest {
  const fail = (field: string, reason: string): never => {
    throw new InputError(path, `field "${field}": ${reason}`);
  };
  if (!isObject(json)) throw new InputError(path, "manifest must be a JSON object");
  for (const k of Object.keys(json)) {
    // `$schema`, `$comment`, … are free for the author.
    if (!FIELDS.has(k) && !k.startsWith("$")) {
      fail(k, `unknown field (known: ${[...FIELDS].join(", ")})`);
    }
  }
  const m = json;
  if (typeof m.name !== "string" || !NAME.test(m.name)) {
    fail(
      "name",
      `must be a lower-case name matching ${NAME.source}, got ${JSON.stringify(m.name)}`,
    );
  }
  if (typeof m.description !== "string" || m.description.trim() === "") {
    fail("description", "must be a non-empty string");
  }
  if (m.params !== undefined && !(Number.isInteger(m.params) && (m.params as number) >= 0)) {
    fail("params", `must be a non-negative integer, got ${JSON.stringify(m.params)}`);
  }
  if (m.paramsFrom !== undefined) {
    if (typeof m.paramsFrom !== "string" || !/\.onnx$/i.test(m.paramsFrom)) {
      fail("paramsFrom", `must be the path of an .onnx file, got ${JSON.stringify(m.paramsFrom)}`);
    }
    if (m.params !== undefined) {
      fail("paramsFrom", `give either "params" or "paramsFrom", not both`);
    }
  }
  if (m.params === undefined && m.paramsFrom === undefined) {
    fail("params", `required: a parameter count, or "paramsFrom" naming an ONNX file`);
  }
  if (m.usesTruth !== undefined && typeof m.usesTruth !== "boolean") {
    fail("usesTruth", `must be true or false, got ${JSON.stringify(m.usesTruth)}`);
  }
  if (m.raw !== undefined && m.raw !== "float" && m.raw !== "ntire") {
    fail("raw", `must be "float" or "ntire", got ${JSON.stringify(m.raw)}`);
  }
  const env: Record<string, string> = {};
  if (m.env !== undefined) {
    if (!isObject(m.env)) fail("env", "must be an object of strings");
    for (const [k, v] of Object.entries(m.env as Record<string, unknown>)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) fail(`env.${k}`, "not a valid variable name");
      if (typeof v !== "string") fail(`env.${k}`, `must be a string, got ${JSON.stringify(v)}`);
      env[k] = v as string;
    }
  }
  for (const f of ["timeLimitS", "memoryLimitMb"] as const) {
    const v = m[f];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      fail(f, `must be a number > 0, got ${JSON.stringify(v)}`);
    }
  }
  const options = parseOptions(m.options, fail);
  const fastProfile = parseProfile(m.fastProfile, options, fail);
  const optionKeys = new Set(Object.keys(options));
  const train = m.train === undefined ? undefined : parseArgv(
    "train",
    m.train,
    [...COMMON_PLACEHOLDERS, ...TRAIN_PLACEHOLDERS],
    optionKeys,
    fail,
  );
  if (m.render === undefined) fail("render", "required: the argv array of the render command");
  const render = parseArgv(
    "render",
    m.render,
    [...COMMON_PLACEHOLDERS, ...RENDER_PLACEHOLDERS],
    optionKeys,
    fail,
  );
  for (const p of RENDER_PLACEHOLDERS) {
    if (!render.some((a) => a.includes(`{${p}}`))) {
      fail("render", `must pass {${p}} to the program`);
    }
  }
  if (typeof m.paramsFrom === "string") {
    const bad = [...m.paramsFrom.matchAll(PLACEHOLDER)].map((x) => x[1])
      .filter((p) => p !== "model_dir");
    if (bad.length) fail("paramsFrom", `only {model_dir} may be used, found {${bad[0]}}`);
  }
  const abs = resolve(path);
  return {
    path: abs,
    dir: dirname(abs),
    name: m.name as string,
    description: m.description as string,
    ...(m.params !== undefined ? { params: m.params as number } : {}),
    ...(m.paramsFrom !== undefined ? { paramsFrom: m.paramsFrom as string } : {}),
    usesTruth: m.usesTruth === true,
    raw: (m.raw ?? "float") as RawFormat,
    env,
    ...(m.timeLimitS !== undefined ? { timeLimitS: m.timeLimitS as number } : {}),
    ...(m.memoryLimitMb !== undefined ? { memoryLimitMb: m.memoryLimitMb as number } : {}),
    ...(train ? { train } : {}),
    render,
    options,
    fastProfile,
  };
}

type Fail = (field: string, reason: string) => never;

function parseArgv(
  field: string,
  v: unknown,
  allowed: readonly string[],
  optionKeys: ReadonlySet<string>,
  fail: Fail,
): string[] {
  if (!Array.isArray(v) || v.length === 0) {
    fail(field, "must be a non-empty array of strings (argv; no shell is involved)");
  }
  const argv = v as unknown[];
  argv.forEach((a, i) => {
    if (typeof a !== "string") fail(`${field}[${i}]`, `must be a string, got ${JSON.stringify(a)}`);
    for (const [, p] of (a as string).matchAll(PLACEHOLDER)) {
      if (p.startsWith("opt.")) {
        if (!optionKeys.has(p.slice(4))) fail(`${field}[${i}]`, `{${p}} names no declared option`);
      } else if (!allowed.includes(p)) {
        fail(
          `${field}[${i}]`,
          `unknown placeholder {${p}} (here: ${
            allowed.map((x) => `{${x}}`).join(", ")
          }, {opt.KEY})`,
        );
      }
    }
  });
  if ((argv[0] as string).trim() === "") fail(`${field}[0]`, "the program must not be empty");
  if (new RegExp(PLACEHOLDER.source).test(argv[0] as string)) {
    fail(`${field}[0]`, "the program may not contain placeholders");
  }
  return argv as string[];
}

function parseOptions(v: unknown, fail: Fail): Record<string, OptionSpec> {
  if (v === undefined) return {};
  if (!isObject(v)) fail("options", "must be an object of option specs");
  const out: Record<string, OptionSpec> = {};
  for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
    const f = `options.${k}`;
    if (!OPTION_KEY.test(k)) fail(f, `option names match ${OPTION_KEY.source}`);
    if (k === PLUGIN_HASH_OPTION) fail(f, "reserved: the harness sets it to the plug-in's hash");
    if (!isObject(raw)) fail(f, `must be { "type", "default", "description" }`);
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!["type", "default", "description", "choices"].includes(key)) {
        fail(`${f}.${key}`, "unknown field (known: type, default, description, choices)");
      }
    }
    if (s.type !== "number" && s.type !== "string" && s.type !== "boolean") {
      fail(`${f}.type`, `must be "number", "string" or "boolean", got ${JSON.stringify(s.type)}`);
    }
    if (typeof s.default !== s.type || (s.type === "number" && !Number.isFinite(s.default))) {
      fail(`${f}.default`, `must be a ${s.type}, got ${JSON.stringify(s.default)}`);
    }
    if (typeof s.description !== "string") fail(`${f}.description`, "must be a string");
    let choices: string[] | undefined;
    if (s.choices !== undefined) {
      if (s.type !== "string") fail(`${f}.choices`, "only string options have choices");
      if (!Array.isArray(s.choices) || !s.choices.every((c) => typeof c === "string")) {
        fail(`${f}.choices`, "must be an array of strings");
      }
      choices = s.choices as string[];
      if (!choices.includes(s.default as string)) {
        fail(`${f}.default`, `${JSON.stringify(s.default)} is not one of the choices`);
      }
    }
    out[k] = {
      type: s.type as OptionSpec["type"],
      default: s.default as number | string | boolean,
      description: s.description as string,
      ...(choices ? { choices } : {}),
    };
  }
  return out;
}

function parseProfile(
  v: unknown,
  options: Readonly<Record<string, OptionSpec>>,
  fail: Fail,
): OptionValues {
  if (v === undefined) return {};
  if (!isObject(v)) fail("fastProfile", "must be an object of option values");
  const out: Record<string, number | string | boolean> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const spec = options[k];
    if (!spec) fail(`fastProfile.${k}`, "names no declared option");
    const actual: string = typeof val;
    if (actual !== spec.type) fail(`fastProfile.${k}`, `must be a ${spec.type}`);
    if (spec.choices && !spec.choices.includes(val as string)) {
      fail(`fastProfile.${k}`, `${JSON.stringify(val)} is not one of ${spec.choices.join(", ")}`);
    }
    out[k] = val as number | string | boolean;
  }
  return out;
}

/**
 * Replaces the placeholders of one argv element. Every placeholder was checked at load time, so
 * a missing value here is a harness bug, reported as such.
 */
export function substitute(arg: string, values: Readonly<Record<string, string>>): string {
  return arg.replace(PLACEHOLDER, (whole, p: string) => {
    const v = values[p];
    if (v === undefined) throw new Error(`placeholder ${whole} has no value`);
    return v;
  });
}

/** Resolves a manifest-relative path (absolute paths are kept). */
export function manifestPath(m: Pick<ExternalManifest, "dir">, p: string): string {
  return isAbsolute(p) ? p : resolve(m.dir, p);
}
