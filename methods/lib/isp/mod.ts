/**
 * The classical pre-ISP (re-mosaic, demosaic, white balance, gamma, tone) and the camera-aware
 * pipeline (as-shot WB, colour matrix, exposure, sRGB curve, orientation).
 * @module
 */
export { type Mosaic, mosaicRgb, remosaic } from "./mosaic.ts";
export {
  applyDemosaicKernels,
  bilinearKernels,
  demosaicBilinear,
  demosaicEdgeAware,
  type DemosaicKernels,
  demosaicKernels,
  type DemosaicMethod,
  malvarKernels,
} from "./demosaic.ts";
export { applyGains, greyWorldGains } from "./whitebalance.ts";
export {
  encodeTone,
  preIsp,
  type PreIspOptions,
  type ResolvedPreIspOptions,
  resolvePreIspOptions,
  type ToneCurve,
  type WhiteBalance,
} from "./preisp.ts";
export {
  autoExposureGain,
  type CameraCurve,
  type CameraExposure,
  cameraLinear,
  cameraPipeline,
  type CameraPipelineOptions,
  type CameraWb,
  encodeCurve,
  orientRgb,
  resolveCameraOptions,
  toneMap,
  wbGains,
} from "./camera.ts";
