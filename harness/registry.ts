/**
 * The method registry: every method module of `methods/` is listed here, one line each. A module
 * exports its {@link Method} (as `default` or a named export) and may export `FAST_PROFILE`, the
 * option values for quick CPU benches.
 *
 * Command-line options reach methods as `--opt method.key=value`, typed by the method's
 * {@link OptionSpec}s.
 * @module
 */
import { InputError, OptionError } from "./errors.ts";
import type { Method, OptionSpec } from "./method.ts";

/** Option values of a method. */
export type OptionValues = Readonly<Record<string, number | string | boolean>>;

/** A registered method with its quick-bench option profile. */
export interface RegistryEntry {
  /** The method. */
  readonly method: Method;
  /** Options for quick CPU benches (the module's `FAST_PROFILE`), empty when it has none. */
  readonly fastProfile: OptionValues;
  /** The paper-faithful profile (the module's `PAPER_PROFILE`), when it has one. */
  readonly paperProfile?: OptionValues;
}

/** What a method module looks like to the registry. */
export type MethodModule = Readonly<Record<string, unknown>>;

// Adding a method: one file in methods/ and one line here.
const MODULES: readonly MethodModule[] = [
  await import("../methods/classical.ts"),
  await import("../methods/color_transfer.ts"),
  await import("../methods/semantic_pairing.ts"),
  await import("../methods/cnn_unpaired.ts"),
  await import("../methods/oracle_paired.ts"),
  await import("../methods/onnx.ts"),
];

function isMethod(v: unknown): v is Method {
  const m = v as Method;
  return typeof m === "object" && m !== null && typeof m.name === "string" &&
    typeof m.train === "function" && typeof m.options === "object";
}

function findMethod(mod: MethodModule): Method | undefined {
  return isMethod(mod.default) ? mod.default : Object.values(mod).find(isMethod);
}

function entryOf(mod: MethodModule): RegistryEntry {
  const method = findMethod(mod);
  if (!method) throw new Error("registry: a listed module exports no Method");
  const profile = (mod.FAST_PROFILE ?? {}) as OptionValues;
  const paper = mod.PAPER_PROFILE as OptionValues | undefined;
  return { method, fastProfile: profile, ...(paper ? { paperProfile: paper } : {}) };
}

/**
 * The entry of a plug-in module loaded from `path` (its `default` or first exported Method, and
 * its `FAST_PROFILE`).
 *
 * @throws {InputError} naming `path` when the module exports no Method or a bad FAST_PROFILE
 */
export function moduleEntry(mod: MethodModule, path: string): RegistryEntry {
  const method = findMethod(mod);
  if (!method) {
    throw new InputError(
      path,
      "exports no Method (an object with name, options and train(), as default or named export)",
    );
  }
  const profile = mod.FAST_PROFILE ?? {};
  if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
    throw new InputError(path, "FAST_PROFILE must be an object of option values");
  }
  return { method, fastProfile: profile as OptionValues };
}

/** A method loaded from outside the registry, with where it came from. */
export interface PluginEntry extends RegistryEntry {
  /** The path it was loaded from (named in errors). */
  readonly source: string;
}

/**
 * The registered methods followed by plug-ins, refusing a plug-in whose name is already taken.
 *
 * @throws {InputError} naming the plug-in's path when its method name clashes with a registered
 * method or an earlier plug-in
 * @example
 * ```ts
 * const entries = withPlugins(listMethods(), [await loadPlugin("my/isp-method.json")]);
 * ```
 */
export function withPlugins(
  entries: readonly RegistryEntry[],
  plugins: readonly PluginEntry[],
): RegistryEntry[] {
  const out = [...entries];
  const from = new Map<string, string>(entries.map((e) => [e.method.name, "a registered method"]));
  for (const p of plugins) {
    const taken = from.get(p.method.name);
    if (taken) {
      throw new InputError(
        p.source,
        `method name '${p.method.name}' is already used by ${taken}; rename the plug-in`,
      );
    }
    from.set(p.method.name, `the plug-in ${p.source}`);
    out.push({ method: p.method, fastProfile: p.fastProfile });
  }
  return out;
}

/**
 * The registered methods, in registry order. `modules` replaces the built-in list (tests).
 * @example
 * ```ts
 * console.log(listMethods().map((e) => e.method.name)); // ["classical", "color-transfer", …]
 * ```
 */
export function listMethods(modules: readonly MethodModule[] = MODULES): RegistryEntry[] {
  const entries = modules.map(entryOf);
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.method.name)) throw new Error(`registry: method '${e.method.name}' twice`);
    seen.add(e.method.name);
  }
  return entries;
}

/**
 * One registered method by name.
 *
 * @throws {OptionError} (option `--methods`) naming the known methods when `name` is unknown
 * @example
 * ```ts
 * const { method, fastProfile } = getMethod("color-transfer");
 * ```
 */
export function getMethod(
  name: string,
  entries: readonly RegistryEntry[] = listMethods(),
): RegistryEntry {
  const e = entries.find((x) => x.method.name === name);
  if (!e) {
    const known = entries.map((x) => x.method.name).join(", ");
    throw new OptionError("--methods", `unknown method '${name}' (known: ${known})`);
  }
  return e;
}

/**
 * Parses one option value by its spec.
 *
 * @throws {OptionError} naming `option` when the value does not fit the spec
 * @example
 * ```ts
 * parseOptionValue({ type: "number", default: 1, description: "" }, "2.5", "--opt m.k"); // 2.5
 * ```
 */
export function parseOptionValue(
  spec: OptionSpec,
  raw: string,
  option: string,
): number | string | boolean {
  if (spec.type === "number") {
    const v = raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(v)) throw new OptionError(option, `expected a number, got '${raw}'`);
    return v;
  }
  if (spec.type === "boolean") {
    const t = raw.trim().toLowerCase();
    if (["true", "1", "yes", "on"].includes(t)) return true;
    if (["false", "0", "no", "off"].includes(t)) return false;
    throw new OptionError(option, `expected true or false, got '${raw}'`);
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new OptionError(option, `'${raw}' is not one of ${spec.choices.join(", ")}`);
  }
  return raw;
}

/**
 * Parses `--opt method.key=value` flags into per-method option values (not yet merged with
 * defaults). Keys and values are checked against the methods' option specs.
 *
 * @throws {OptionError} for a malformed flag, an unknown method or key, or a bad value
 * @example
 * ```ts
 * const opts = parseOptFlags(["color-transfer.space=lab"], listMethods());
 * opts.get("color-transfer"); // { space: "lab" }
 * ```
 */
export function parseOptFlags(
  flags: readonly string[],
  entries: readonly RegistryEntry[] = listMethods(),
): Map<string, Record<string, number | string | boolean>> {
  const out = new Map<string, Record<string, number | string | boolean>>();
  for (const flag of flags) {
    const m = flag.match(/^([^.=]+)\.([^=]+)=(.*)$/s);
    if (!m) throw new OptionError("--opt", `'${flag}' is not method.key=value`);
    const [, name, key, raw] = m;
    const { method } = getMethod(name, entries);
    const spec = method.options[key];
    if (!spec) {
      const known = Object.keys(method.options).join(", ") || "none";
      throw new OptionError(`--opt ${name}.${key}`, `unknown option (known: ${known})`);
    }
    const values = out.get(name) ?? {};
    values[key] = parseOptionValue(spec, raw, `--opt ${name}.${key}`);
    out.set(name, values);
  }
  return out;
}

/**
 * A method's full option values: spec defaults, then `profile` (e.g. its FAST_PROFILE), then
 * explicit `overrides`. Profile keys the method does not declare are an error.
 *
 * @throws {OptionError} when the profile or overrides name an undeclared option or mistype one
 * @example
 * ```ts
 * const e = getMethod("classical");
 * resolveOptions(e.method, e.fastProfile, { gamma: 2.4 });
 * ```
 */
export function resolveOptions(
  method: Method,
  profile: OptionValues = {},
  overrides: OptionValues = {},
): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, spec] of Object.entries(method.options)) out[k] = spec.default;
  for (const [source, values] of [["profile", profile], ["--opt", overrides]] as const) {
    for (const [k, v] of Object.entries(values)) {
      const spec = method.options[k];
      const where = `${source} ${method.name}.${k}`;
      if (!spec) throw new OptionError(where, "the method has no such option");
      const actual: string = typeof v;
      if (actual !== spec.type) throw new OptionError(where, `expected a ${spec.type}`);
      if (spec.type === "string" && spec.choices && !spec.choices.includes(v as string)) {
        throw new OptionError(where, `'${v}' is not one of ${spec.choices.join(", ")}`);
      }
      out[k] = v;
    }
  }
  return out;
}
