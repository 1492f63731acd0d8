/**
 * Reading and first checks of an upload on the request thread: the body streams in under a byte
 * limit and a deadline, a multipart form is parsed from those bytes, and a result zip is checked
 * from its central directory only (nothing is inflated here; the scoring worker enforces the
 * same limits on the real bytes).
 * @module
 */
import { InputError } from "../harness/errors.ts";
import { listZip, type ZipLimits } from "../harness/io/zip.ts";
import { BodyError, readBody } from "./guard.ts";
import type { PhaseBudget } from "./scoring.ts";

/** An upload as read. */
export interface Upload {
  /** A zip of predicted images, or an ONNX model. */
  kind: "results" | "model";
  /** The zip or model bytes. */
  bytes: Uint8Array;
  /** The model's manifest (JSON text). */
  manifest?: string;
}

/** Options of {@link readUpload}. */
export interface ReadUploadOptions {
  /** Whether the body is `multipart/form-data` (else a bare zip). */
  multipart: boolean;
  /** The server's upload limit, bytes (bounds models and multipart bodies). */
  maxUploadBytes: number;
  /** The phase's limits, when its targets are known (bound result zips). */
  budget?: PhaseBudget;
  /** Time allowed for the body, ms. */
  timeoutMs: number;
}

/**
 * The upload's bytes: a zip body, or the `file`/`model` field of a multipart form.
 * @throws {BodyError} over the limit (413) or past the deadline (408)
 * @throws {InputError} for a malformed form or one without a `file` or `model` field
 */
export async function readUpload(req: Request, opts: ReadUploadOptions): Promise<Upload> {
  const { multipart, budget } = opts;
  // Result zips are bounded by what the phase needs; models by the server's upload limit.
  const maxBytes = multipart
    ? opts.maxUploadBytes
    : Math.min(opts.maxUploadBytes, budget?.uploadBytes ?? Infinity);
  const raw = await readBody(req, { maxBytes, timeoutMs: opts.timeoutMs });
  if (!multipart) return { kind: "results", bytes: raw };
  let form: FormData;
  try {
    form = await new Request("http://local/", {
      method: "POST",
      headers: { "content-type": req.headers.get("content-type")! },
      body: raw as Uint8Array<ArrayBuffer>,
    }).formData();
  } catch {
    throw new InputError("upload", "malformed multipart/form-data body (boundary or parts)");
  }
  const file = form.get("file");
  const model = form.get("model");
  if (file instanceof File) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (budget && bytes.length > budget.uploadBytes) {
      throw new BodyError(413, `upload larger than ${budget.uploadBytes} bytes`);
    }
    return { kind: "results", bytes };
  }
  if (model instanceof File) {
    const m = form.get("manifest");
    const manifest = m instanceof File ? await m.text() : typeof m === "string" ? m : undefined;
    return { kind: "model", bytes: new Uint8Array(await model.arrayBuffer()), manifest };
  }
  throw new InputError("upload", "expected a 'file' (zip) or 'model' (onnx) field");
}

/**
 * Checks an upload without inflating or running anything: a result zip's central directory
 * (safe names, entry count, declared sizes, at least one image) or a model's manifest (JSON).
 * @throws {InputError} naming `<name>.zip` or `manifest.json` and the problem
 */
export function checkUpload(upload: Upload, name: string, zipLimits?: ZipLimits): void {
  if (upload.bytes.length === 0) throw new InputError("upload", "empty upload");
  if (upload.kind === "results") {
    const entries = listZip(upload.bytes, `${name}.zip`, zipLimits);
    if (!entries.some((e) => /\.(png|jpe?g)$/i.test(e.name))) {
      throw new InputError(`${name}.zip`, "no PNG or JPEG images in the archive");
    }
    return;
  }
  if (!upload.manifest) {
    throw new InputError("upload", "model submissions need a 'manifest' (JSON)");
  }
  try {
    JSON.parse(upload.manifest);
  } catch (e) {
    throw new InputError("manifest.json", `not valid JSON (${(e as Error).message})`);
  }
}
