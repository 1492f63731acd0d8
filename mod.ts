/**
 * isp-bench public API: types, I/O, metrics, scoring, fixtures, the pre-ISP and ONNX tools,
 * optimal transport, the CNN, methods, the harness and the leaderboard. This file only re-exports.
 * @module
 */

// Core types and errors
export type { CameraMeta, Matrix, RawImage, RgbImage, Sample } from "./harness/types.ts";
export { InputError, OptionError } from "./harness/errors.ts";
export { createRng, Rng } from "./harness/random.ts";

// I/O
export {
  decodeNpy,
  encodeNpy,
  type NdArray,
  type NpyDtype,
  readNpy,
  writeNpy,
} from "./harness/io/npy.ts";
export {
  decodeImage,
  encodePng,
  type PngDepth,
  quantize,
  readImage,
  writePng,
} from "./harness/io/image.ts";
export {
  type BayerOrder,
  decodeRaw,
  encodeRaw,
  type RawOptions,
  readRaw,
} from "./harness/io/raw.ts";
export { type Dataset, openDataset, type PairedSplit } from "./harness/io/dataset.ts";
export {
  type CameraRaw,
  type CameraRawReader,
  cameraRawToRaw,
  decodeCameraRaw,
  openCameraRawReader,
  readCameraRaw,
} from "./harness/io/camera_raw.ts";
export { importDataset, type ImportOptions, type ImportResult } from "./harness/import/build.ts";
export { FORMATS as IMPORT_FORMATS, type ImportFormat } from "./harness/import/formats.ts";
export { readZip, type ZipEntry, type ZipLimits } from "./harness/io/zip.ts";

// Metrics
export { cappedPsnr, type ImagePair, pooledPsnr, psnr, PSNR_CAP_DB } from "./metrics/psnr.ts";
export { ssim, type SsimOptions, type SsimProfile } from "./metrics/ssim.ts";
export { ciede2000, deltaE2000, type LabTriple } from "./metrics/ciede2000.ts";
export { type Lab, type Rgb, rgbToLabArray, srgbToLab } from "./metrics/color.ts";
export { MetricPool, type MetricPoolOptions } from "./metrics/pool.ts";
export type { MetricOptions, PairNames } from "./metrics/check.ts";

// Scoring and statistics
export {
  scoreImage,
  scoreImages,
  type ScoreOptions,
  type ScoreReport,
  scoreSubmission,
  type ScoreSummary,
  summarize,
} from "./harness/score.ts";
export {
  bootstrapMean,
  type BootstrapOptions,
  pairedDifference,
  type RankEntry,
  type RankResult,
  rankWithTies,
} from "./harness/stats/bootstrap.ts";

// Fixtures
export {
  buildFixtures,
  type FixtureCounts,
  type FixtureOptions,
  type FixtureResult,
  fixturesDir,
} from "./fixtures/build.ts";
export { PRESETS, type PresetSpec, type UnpairedMode } from "./fixtures/presets.ts";
export {
  type PhoneCamera,
  type PhoneShot,
  TARGET_CAMERA,
  type TargetCamera,
} from "./fixtures/camera.ts";
export {
  renderTarget,
  unprocess,
  type Unprocessed,
  type UnprocessOptions,
} from "./fixtures/unprocess.ts";

// Classical pre-ISP and ONNX
export * from "./methods/lib/isp/mod.ts";
export {
  exportColorCnnOnnx,
  exportPreIspOnnx,
  type OnnxExportOptions,
} from "./methods/lib/onnx/export.ts";
export {
  checkSignature,
  type ExecutionProvider,
  openSession,
  type OpenSessionOptions,
  type OrtModel,
  runRaw,
  type RunRawOptions,
  type TensorSpec,
} from "./methods/lib/onnx/runtime.ts";
export type { Embedder } from "./methods/lib/embed/embedder.ts";
export {
  areaResize,
  createDinov2Embedder,
  type Dinov2Options,
} from "./methods/lib/embed/dinov2.ts";

// Methods and the harness
export type {
  BatchRenderOptions,
  Device,
  Method,
  MethodContext,
  Model,
  OptionSpec,
  RenderedImage,
  TrainSplit,
} from "./harness/method.ts";
export { classicalMethod } from "./methods/classical.ts";
export { colorTransferMethod } from "./methods/color_transfer.ts";
export { type OnnxManifest, onnxMethod, readManifest } from "./methods/onnx.ts";
export {
  getMethod,
  listMethods,
  type MethodModule,
  moduleEntry,
  type OptionValues,
  parseOptFlags,
  type PluginEntry,
  type RegistryEntry,
  resolveOptions,
  withPlugins,
} from "./harness/registry.ts";
export { loadPlugin, type LoadPluginOptions, loadPlugins } from "./harness/plugins/load.ts";
export { externalMethod, type ExternalMethodOptions } from "./harness/plugins/external.ts";
export {
  type ExternalManifest,
  parseExternalManifest,
  type RawFormat,
  readExternalManifest,
} from "./harness/plugins/manifest.ts";
export {
  CommandError,
  type CommandFailure,
  type CommandResult,
  runCommand,
  type RunCommandOptions,
} from "./harness/plugins/process.ts";
export {
  type Phase,
  type PlannedMethod,
  type ProtocolOptions,
  type ProtocolOutcome,
  type ProtocolResult,
  runProtocol,
} from "./harness/protocol.ts";
export {
  findDoneRun,
  leaderboard,
  type LeaderboardOptions,
  listRuns,
  type MethodInfo,
  methodInfo,
  type MethodSummary,
  migrate,
  type NewRun,
  openDb,
  type OpenDbOptions,
  openResultsDb,
  perImageScores,
  RESULTS_MIGRATIONS,
  type RunAggregate,
  type RunFilter,
  type RunKey,
  type RunOptions,
  type RunRecord,
  type RunResult,
  type RunStatus,
  saveRun,
} from "./harness/store/mod.ts";
export type {
  Db,
  ImageScore,
  Interval,
  LeaderboardRow,
  Migration,
  SqlValue,
} from "./harness/store/types.ts";

// Optimal transport
export { sinkhorn, type SinkhornOptions } from "./methods/lib/ot/sinkhorn.ts";
export { emd, emd2, type EmdOptions } from "./methods/lib/ot/emd.ts";
export {
  fgwObjective,
  type FgwOptions,
  type FgwResult,
  fusedGromovWasserstein,
} from "./methods/lib/ot/fgw.ts";
export { fgwSurrogate, type SurrogateOptions } from "./methods/lib/ot/surrogate.ts";
export { type FeatureMatrix, sqeuclideanCdist } from "./methods/lib/ot/cost.ts";
export type { SparsePairs } from "./methods/lib/ot/sparse.ts";

// The 7K colour CNN
export * from "./methods/lib/cnn/mod.ts";
export type { ConvKernels } from "./methods/lib/cnn/kernels.ts";
export type { KernelRoute } from "./methods/lib/cnn/shard.ts";
export type { GradientResult, StepResult } from "./methods/lib/cnn/train.ts";
export type { HistLosses } from "./methods/lib/cnn/losses.ts";

// Leaderboard
export { type AppOptions, createApp } from "./leaderboard/app.ts";
export type {
  Board,
  BoardEntry,
  MethodInfo as BoardMethodInfo,
  ResultsSource,
} from "./leaderboard/board.ts";
export type { BoardCache, RenderedBoard } from "./leaderboard/cache.ts";
export type { Phase as BoardPhase } from "./leaderboard/queue.ts";
export { type RunningServer, serveLeaderboard, type ServeOptions } from "./leaderboard/serve.ts";
