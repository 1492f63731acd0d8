/**
 * The pairing truth of a fixture dataset (`hidden/truth.json`): which photo each RAW and RGB scene
 * shows, and where each patch sits in its photo. Only the pairing report reads it.
 * @module
 */
import { InputError } from "../../../harness/errors.ts";

/** A patch's rectangle in target-resolution pixels of its photo. */
export interface PatchRect {
  /** Photo id. */
  readonly photo: string;
  /** Left edge. */
  readonly x: number;
  /** Top edge. */
  readonly y: number;
  /** Width. */
  readonly w: number;
  /** Height. */
  readonly h: number;
}

/** Contents of `hidden/truth.json` (version 1). */
export interface PairingTruth {
  /** Format version (1). */
  readonly version: number;
  /** `crops`: RAW and RGB scenes are different crops of the same photos; `scenes`: disjoint. */
  readonly mode: "crops" | "scenes";
  /** RAW scene → photo id. */
  readonly rawScenes: Readonly<Record<string, string>>;
  /** RGB scene → photo id. */
  readonly rgbScenes: Readonly<Record<string, string>>;
  /** Patch name → rectangle. */
  readonly patches: Readonly<Record<string, PatchRect>>;
}

/**
 * Reads and checks `hidden/truth.json`.
 *
 * @throws {InputError} naming the file when it is unreadable or not version-1 truth
 * @example
 * ```ts
 * const truth = await readPairingTruth("out/fixtures-small/hidden/truth.json");
 * ```
 */
export async function readPairingTruth(path: string): Promise<PairingTruth> {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new InputError(path, `unreadable pairing truth: ${(e as Error).message}`);
  }
  if (j === null || typeof j !== "object") throw new InputError(path, "not a JSON object");
  if (j.version !== 1) throw new InputError(path, `unsupported version ${j.version}`);
  if (j.mode !== "crops" && j.mode !== "scenes") throw new InputError(path, `bad mode ${j.mode}`);
  for (const k of ["rawScenes", "rgbScenes", "patches"]) {
    if (j[k] === null || typeof j[k] !== "object") throw new InputError(path, `missing '${k}'`);
  }
  return j as unknown as PairingTruth;
}
