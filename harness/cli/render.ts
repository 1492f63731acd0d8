/**
 * `deno task render --in FILE|DIR --out FILE|DIR [options]`: renders camera RAW files (DNG, CR2,
 * NEF, ARW, Bayer RAF, …) or packed `.npy` RAW (with their dataset.json) to 8-bit sRGB PNG, with
 * the classical camera-aware pipeline or a trained model exported as ONNX.
 * @module
 */
import { dirname, join } from "node:path";
import { InputError, OptionError } from "../errors.ts";
import { parseOrExitCode } from "./args.ts";
import type { CameraMeta, RawImage, RgbImage } from "../types.ts";
import {
  CAMERA_RAW_EXT,
  type CameraRawReader,
  cameraRawToRaw,
  openCameraRawReader,
} from "../io/camera_raw.ts";
import { listFiles, rawOptionsFromMeta, sceneMeta, stem } from "../io/dataset.ts";
import { writePng } from "../io/image.ts";
import { readRaw } from "../io/raw.ts";
import { createProgress } from "../progress.ts";
import {
  type CameraExposure,
  type CameraPipelineOptions,
  orientRgb,
  resolveCameraOptions,
} from "../../methods/lib/isp/camera.ts";
import { cameraPipeline } from "../../methods/lib/isp/camera.ts";
import { preIsp } from "../../methods/lib/isp/preisp.ts";
import { openSession, runRaw } from "../../methods/lib/onnx/runtime.ts";

const USAGE = `usage: npx -y deno@2.9.6 task render --in FILE|DIR --out FILE|DIR [options]

Renders camera RAW files (DNG, CR2, NEF, ARW, Bayer RAF, … read by LibRaw) or packed .npy RAW
(levels and camera metadata from the dataset.json found beside or above it) to 8-bit sRGB PNG.

Options:
  --in FILE|DIR        a RAW file, or a folder of them (camera RAW and .npy)
  --out FILE|DIR       output PNG (single input) or folder (one <stem>.png per input)
  --method NAME        classical (default); other methods need training: use --model
  --model FILE.onnx    render with a trained model exported as ONNX (raw N×4×H×W → rgb)
  --wb MODE            camera (as shot; auto when absent, default) | auto (grey-world) | none
  --exposure E         auto (dcraw's 1% white point, default) | none | EV number, e.g. 0.5
  --curve C            srgb (default) | bt709 (dcraw's curve) | linear
  --no-orient          keep sensor orientation (default: apply the file's EXIF orientation)
  --quiet              no progress
  -h, --help           this text
`;

/** One input to render: where it came from and how to load it as a normalised RAW. */
interface Job {
  readonly file: string;
  readonly load: () => Promise<{ raw: RawImage; orientation: number }>;
}

async function findDatasetJson(file: string): Promise<string | undefined> {
  let dir = dirname(file);
  for (let i = 0; i < 4; i++) {
    const p = join(dir, "dataset.json");
    if ((await Deno.stat(p).catch(() => undefined))?.isFile) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

async function npyJob(file: string): Promise<Job> {
  const jsonPath = await findDatasetJson(file);
  let meta: Record<string, unknown> = {};
  if (jsonPath) {
    try {
      meta = JSON.parse(await Deno.readTextFile(jsonPath));
    } catch (e) {
      throw new InputError(jsonPath, `unreadable: ${(e as Error).message}`);
    }
  }
  const opts = rawOptionsFromMeta(meta, jsonPath ?? "dataset.json");
  const scenes = sceneMeta(meta, jsonPath);
  const name = stem(file);
  const scene = name.match(/^(.*)_(\d+)$/)?.[1] ?? name;
  const camera: CameraMeta | undefined = scenes[scene] ?? scenes[name];
  return {
    file,
    load: async () => ({
      raw: await readRaw(file, camera ? { ...opts, camera } : opts),
      orientation: 1, // dataset patches stay in sensor orientation, like their targets
    }),
  };
}

function cameraJob(file: string, reader: CameraRawReader): Job {
  return {
    file,
    load: async () => {
      const cr = await reader.read(file);
      return { raw: cameraRawToRaw(cr), orientation: cr.orientation };
    },
  };
}

async function collectJobs(input: string, reader: CameraRawReader): Promise<Job[]> {
  const st = await Deno.stat(input).catch(() => undefined);
  if (!st) throw new InputError(input, "does not exist");
  const files = st.isDirectory ? await listFiles(input, /^[^.]/) : [input];
  const jobs: Job[] = [];
  for (const f of files) {
    if (/\.npy$/i.test(f)) jobs.push(await npyJob(f));
    else if (CAMERA_RAW_EXT.test(f) || !st.isDirectory) jobs.push(cameraJob(f, reader));
  }
  if (jobs.length === 0) {
    throw new InputError(input, "no camera RAW files or .npy RAW found in the folder");
  }
  return jobs;
}

function parseExposure(v: string | undefined): CameraExposure {
  if (v === undefined || v === "auto" || v === "none") return v ?? "auto";
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) {
    throw new OptionError("--exposure", `expected auto, none or a number of EV, got '${v}'`);
  }
  return n;
}

/** Runs the CLI with `args`; returns the exit code (0 ok, 1 input error, 2 usage). */
export async function main(args: string[]): Promise<number> {
  const values = parseOrExitCode(args, {
    in: { type: "string" },
    out: { type: "string" },
    method: { type: "string" },
    model: { type: "string" },
    wb: { type: "string" },
    exposure: { type: "string" },
    curve: { type: "string" },
    "no-orient": { type: "boolean" },
    quiet: { type: "boolean" },
  }, USAGE);
  if (typeof values === "number") return values;
  let camOpts: CameraPipelineOptions;
  try {
    if (!values.in) throw new OptionError("--in", "required");
    if (!values.out) throw new OptionError("--out", "required");
    const method = values.method ?? (values.model ? "onnx" : "classical");
    if (method !== "classical" && method !== "onnx") {
      throw new OptionError(
        "--method",
        `'${method}' needs training; render a trained model with --model FILE.onnx ` +
          `(only classical renders without one)`,
      );
    }
    if (method === "onnx" && !values.model) throw new OptionError("--model", "required by onnx");
    try {
      camOpts = resolveCameraOptions({
        wb: (values.wb ?? "camera") as CameraPipelineOptions["wb"],
        exposure: parseExposure(values.exposure),
        curve: (values.curve ?? "srgb") as CameraPipelineOptions["curve"],
      });
    } catch (e) {
      if (e instanceof OptionError && !e.option.startsWith("-")) {
        throw new OptionError(`--${e.option}`, e.message.slice(e.option.length + 2));
      }
      throw e;
    }
  } catch (e) {
    if (e instanceof OptionError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const reader = openCameraRawReader();
  try {
    const jobs = await collectJobs(values.in, reader);
    const single = jobs.length === 1 && /\.png$/i.test(values.out);
    if (!single) await Deno.mkdir(values.out, { recursive: true });
    const model = values.model ? await openSession(values.model, { device: "cpu" }) : undefined;
    const bar = createProgress("render", jobs.length, { quiet: values.quiet });
    try {
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i];
        const { raw, orientation } = await job.load();
        let rgb: RgbImage = model
          ? await runRaw(model, raw, { image: job.file })
          : raw.camera
          ? cameraPipeline(raw, raw.camera, { ...camOpts, file: job.file })
          : preIsp(raw, { whiteBalance: "grey-world", file: job.file });
        if (!values["no-orient"]) rgb = orientRgb(rgb, orientation);
        const out = single ? values.out : join(values.out, `${stem(job.file)}.png`);
        await writePng(out, rgb);
        bar.update(i + 1, stem(job.file));
      }
      bar.finish(`${jobs.length} image(s) → ${values.out}`);
    } finally {
      await model?.session.release();
    }
    return 0;
  } catch (e) {
    if (e instanceof InputError || e instanceof OptionError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  } finally {
    reader.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
