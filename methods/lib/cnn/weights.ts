/**
 * Weights of the 7,055-parameter colour CNN of the reference method:
 * `h = ReLU(conv3x3(x; 3→C))`, `y = x + conv3x3(h; C→3)`, `out = clamp(conv1x1(y; 3→3), 0, 1)`,
 * reflect padding, C = 128. Layouts are PyTorch's (OIHW), so weights move to ONNX and torch as is.
 * @module
 */

/** The CNN's learnable tensors (float32, OIHW). */
export interface CnnWeights {
  /** Hidden channels C (128 in the paper). */
  readonly hidden: number;
  /** conv1 weight, C×3×3×3. */
  readonly w1: Float32Array;
  /** conv1 bias, C. */
  readonly b1: Float32Array;
  /** conv2 weight, 3×C×3×3. */
  readonly w2: Float32Array;
  /** conv2 bias, 3. */
  readonly b2: Float32Array;
  /** 1×1 colour head weight, 3×3 (out, in); identity at initialisation. */
  readonly wh: Float32Array;
  /** Colour head bias, 3; zero at initialisation. */
  readonly bh: Float32Array;
}

/** Number of learnable parameters: 7,055 for C = 128. */
export function cnnParamCount(hidden = 128): number {
  return hidden * 27 + hidden + 3 * hidden * 9 + 3 + 9 + 3;
}

/** Serialises weights to JSON-safe plain arrays (for the model store). */
export function weightsToJson(w: CnnWeights): Record<string, number[] | number> {
  return {
    hidden: w.hidden,
    w1: Array.from(w.w1),
    b1: Array.from(w.b1),
    w2: Array.from(w.w2),
    b2: Array.from(w.b2),
    wh: Array.from(w.wh),
    bh: Array.from(w.bh),
  };
}
