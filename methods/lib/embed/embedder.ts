/**
 * The descriptor interface used by semantic pseudo-pairing: images in, one vector each out.
 * @module
 */
import type { RgbImage } from "../../../harness/types.ts";

/** Turns images into fixed-length descriptors (squared-L2 distances between them are costs). */
export interface Embedder {
  /** Name used in reports and options, e.g. `builtin`, `dinov2`. */
  readonly name: string;
  /** Descriptor length. */
  readonly dim: number;
  /** One descriptor per image, in order. */
  embed(images: readonly RgbImage[]): Promise<Float32Array[]>;
  /**
   * Image-level (stitched scene) descriptors when they differ from `embed`'s (DINOv2: the
   * paper's [CLS | Y histogram | UV histogram]); pairing uses `embed` when absent.
   */
  embedScenes?(images: readonly RgbImage[]): Promise<Float32Array[]>;
  /** Releases sessions or workers. */
  dispose?(): Promise<void> | void;
}
