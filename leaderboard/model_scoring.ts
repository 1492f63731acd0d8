/**
 * Scoring of model submissions: the uploaded `.onnx` and its manifest are written to a private
 * temporary folder, opened with the harness's ONNX method (`methods/onnx.ts`: signature checks,
 * time and memory limits), run on every RAW input of the phase, quantised to 8 bits as a PNG
 * submission would be, and scored against the phase's targets. onnxruntime is loaded only when a
 * model submission is scored.
 * @module
 */
import { join } from "node:path";
import { InputError } from "../harness/errors.ts";
import { openDataset } from "../harness/io/dataset.ts";
import { quantize } from "../harness/io/image.ts";
import { scoreImage } from "../harness/score.ts";
import type { ImageScore } from "../harness/store/types.ts";
import type { RgbImage } from "../harness/types.ts";
import { serverSide, summaryOf } from "./scoring.ts";
import type { ModelScorer } from "./worker.ts";

/** Limits applied to submitted models. */
export interface ModelLimits {
  /** Seconds per output megapixel (default 60). */
  timeLimit?: number;
  /** Memory growth limit in MiB (default 4096). */
  memoryLimitMb?: number;
}

function to8bit(img: RgbImage): RgbImage {
  const q = quantize(img, 8);
  return { width: img.width, height: img.height, data: Float32Array.from(q, (v) => v / 255) };
}

/**
 * Creates the scorer of model submissions that the worker calls.
 * @example
 * ```ts
 * startWorker({ db, dataDir, scoreModel: createModelScorer() });
 * ```
 */
export function createModelScorer(limits: ModelLimits = {}): ModelScorer {
  return async (sub, payload, opts) => {
    const { openOnnxSubmission } = await import("../methods/onnx.ts");
    const dir = await Deno.makeTempDir({ prefix: "isp-bench-model-" });
    try {
      return await scoreIn(dir);
    } catch (e) {
      // Messages go to the team: name their files, never the server's temporary folder.
      if (e instanceof InputError) {
        const strip = (t: string) => t.replaceAll(`${dir}/`, "").replaceAll(dir, ".");
        throw new InputError(strip(e.file), strip(e.reason), { cause: e });
      }
      throw e;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    async function scoreIn(dir: string) {
      const model = join(dir, "model.onnx");
      const manifest = join(dir, "manifest.json");
      await Deno.writeFile(model, payload.bytes);
      await Deno.writeTextFile(manifest, payload.manifest ?? "");
      const m = await openOnnxSubmission(
        {
          model,
          manifest,
          timeLimit: limits.timeLimit ?? 60,
          memoryLimitMb: limits.memoryLimitMb ?? 4096,
        },
        { device: "cpu", log: () => {} },
      );
      try {
        const ds = await serverSide(() => openDataset(opts.dataDir));
        const split = sub.phase === "val" ? ds.val : ds.test;
        if (split.targets.size === 0) {
          throw new InputError(sub.phase, "this phase has no targets on the scoring machine");
        }
        const images: ImageScore[] = [];
        const pixels: number[] = [];
        let ms = 0;
        let mp = 0;
        for (const raw of split.raws) {
          const target = split.targets.get(raw.name);
          if (!target) continue;
          const input = await serverSide(() => raw.load());
          const t0 = performance.now();
          const out = await m.render(input, raw.name);
          ms += performance.now() - t0;
          mp += (out.width * out.height) / 1e6;
          const gt = await serverSide(() => target.load());
          images.push(scoreImage(raw.name, to8bit(out), gt));
          pixels.push(gt.width * gt.height);
          await opts.onImage();
        }
        if (images.length === 0) throw new InputError(sub.phase, "no RAW inputs with targets");
        return { images, summary: summaryOf(images, pixels, m.params, ms / mp) };
      } finally {
        await m.dispose?.();
      }
    }
  };
}
