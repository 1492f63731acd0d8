/**
 * Loading plug-ins (`deno task bench --plugin PATH`): methods from outside the registry.
 * - a `.ts`/`.js` module exporting a {@link Method} (and optionally `FAST_PROFILE`);
 * - an `isp-method.json` manifest (or a folder holding one): an external program, see
 *   {@link externalMethod}.
 *
 * Every plug-in method gets one extra option, `pluginHash`: the SHA-256 of its code (the module
 * file; for a manifest, the manifest and every file of its folder). Options are part of the
 * resume key, so a run of changed code is never taken for a finished run of the old code.
 * @module
 */
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { InputError } from "../errors.ts";
import type { Method, OptionSpec } from "../method.ts";
import { datasetFingerprint } from "../protocol/fingerprint.ts";
import { type MethodModule, moduleEntry, type PluginEntry } from "../registry.ts";
import { externalMethod } from "./external.ts";
import { PLUGIN_HASH_OPTION, PLUGIN_NAME, readExternalManifest } from "./manifest.ts";

/** File name looked up when `--plugin` names a folder. */
export const MANIFEST_NAME = "isp-method.json";

/** Options of {@link loadPlugin}. */
export interface LoadPluginOptions {
  /** Seconds between SIGTERM and SIGKILL when an external command is stopped (default 2). */
  readonly graceS?: number;
}

const MODULE_EXT = new Set([".ts", ".js", ".mts", ".mjs", ".tsx", ".jsx"]);

/**
 * Files of a plug-in folder that are not its code: caches, version control, dependencies.
 * Python writes `__pycache__` next to imported modules, which would change the hash after every
 * first run.
 */
export function isIgnoredPluginFile(rel: string): boolean {
  return rel.split("/").some((part) =>
    part.startsWith(".") || part === "__pycache__" || part === "node_modules" ||
    part.endsWith(".pyc")
  );
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The method with the `pluginHash` option added (and removed again before it trains). */
function withHashOption(method: Method, hash: string): Method {
  if (PLUGIN_HASH_OPTION in method.options) {
    throw new Error(`option '${PLUGIN_HASH_OPTION}' is reserved for the harness`);
  }
  const spec: OptionSpec = {
    type: "string",
    default: hash,
    choices: [hash],
    description: "SHA-256 of the plug-in module (set by the harness)",
  };
  return {
    name: method.name,
    description: method.description,
    params: method.params,
    ...(method.usesTruth !== undefined ? { usesTruth: method.usesTruth } : {}),
    options: { ...method.options, [PLUGIN_HASH_OPTION]: spec },
    train(split, ctx) {
      const { [PLUGIN_HASH_OPTION]: _, ...options } = ctx.options;
      return method.train(split, { ...ctx, options });
    },
  };
}

async function loadModule(path: string): Promise<PluginEntry> {
  const abs = resolve(path);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(abs);
  } catch (e) {
    throw new InputError(path, `cannot read plug-in: ${(e as Error).message}`, { cause: e });
  }
  let mod: MethodModule;
  try {
    mod = await import(pathToFileURL(abs).href);
  } catch (e) {
    throw new InputError(path, `plug-in failed to import: ${(e as Error)?.message ?? e}`, {
      cause: e,
    });
  }
  const entry = moduleEntry(mod, path);
  if (!PLUGIN_NAME.test(entry.method.name)) {
    throw new InputError(
      path,
      `method name ${JSON.stringify(entry.method.name)} must match ${PLUGIN_NAME.source}`,
    );
  }
  let method: Method;
  try {
    method = withHashOption(entry.method, await sha256(bytes));
  } catch (e) {
    throw new InputError(path, (e as Error).message);
  }
  return { method, fastProfile: entry.fastProfile, source: path };
}

async function loadManifest(path: string, opts: LoadPluginOptions): Promise<PluginEntry> {
  const manifest = await readExternalManifest(path);
  const hash = await datasetFingerprint(manifest.dir, { skip: isIgnoredPluginFile });
  return {
    method: externalMethod(manifest, { pluginHash: hash, graceS: opts.graceS }),
    fastProfile: manifest.fastProfile,
    source: path,
  };
}

/**
 * Loads one plug-in: a `.ts`/`.js` module, an `isp-method.json` (any `.json` file), or a folder
 * holding an `isp-method.json`.
 *
 * @throws {InputError} naming the path: missing file, unknown kind, an import that throws, a
 * module without a Method, or a manifest error (which also names the field)
 * @example
 * ```ts
 * const p = await loadPlugin("methods/examples/torch-color-cnn");
 * console.log(p.method.name); // "torch-color-cnn"
 * ```
 */
export async function loadPlugin(path: string, opts: LoadPluginOptions = {}): Promise<PluginEntry> {
  const st = await Deno.stat(path).catch(() => undefined);
  if (!st) throw new InputError(path, "plug-in not found");
  if (st.isDirectory) {
    const manifest = join(path, MANIFEST_NAME);
    if (!(await Deno.stat(manifest).catch(() => undefined))?.isFile) {
      throw new InputError(path, `folder holds no ${MANIFEST_NAME}`);
    }
    return await loadManifest(manifest, opts);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".json") return await loadManifest(path, opts);
  if (MODULE_EXT.has(ext)) return await loadModule(path);
  throw new InputError(
    path,
    `not a plug-in: expected a .ts/.js module, an ${MANIFEST_NAME} or a folder holding one`,
  );
}

/**
 * Loads several plug-ins in order (see {@link loadPlugin}).
 * @example
 * ```ts
 * const registry = withPlugins(listMethods(), await loadPlugins(["a/isp-method.json", "b.ts"]));
 * ```
 */
export async function loadPlugins(
  paths: readonly string[],
  opts: LoadPluginOptions = {},
): Promise<PluginEntry[]> {
  const out: PluginEntry[] = [];
  for (const p of paths) out.push(await loadPlugin(p, opts));
  return out;
}
