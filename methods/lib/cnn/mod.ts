/**
 * The 7,055-parameter colour CNN of the reference method: weights, inference (CPU and WebGPU),
 * the §7 losses and training (WASM SIMD workers on the CPU, WGSL on WebGPU).
 * @module
 */
export { cloneWeights, initColorCnn } from "./init.ts";
export { forwardColorCnn, type ForwardOptions } from "./forward.ts";
export {
  type CnnBatch,
  CnnTrainer,
  type CnnTrainerOptions,
  createCnnTrainer,
  stepColorCnn,
  trainColorCnn,
  type TrainColorCnnOptions,
} from "./train.ts";
export { colorLoss, DEFAULT_LOSS_WEIGHTS, type LossTerms, type LossWeights } from "./losses.ts";
export { forwardColorCnnGpu, type GpuForwardOptions } from "./gpu.ts";
export { cnnParamCount, type CnnWeights, weightsToJson } from "./weights.ts";
