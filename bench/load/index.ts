// The load engine: closed and open loops over any async operation, HDR latency recording,
// process CPU/RSS sampling, pinning, and the calibration that checks them.

export {
  analyticalMean,
  analyticalPercentile,
  type CalibrationOptions,
  type CalibrationResult,
  runCalibration,
  type StallModel,
} from './calibration.ts';
export {
  buildCalibrationServer,
  type CalibrationTargetProcess,
  startCalibrationTarget,
} from './calibration-target.ts';
export { type ClosedLoopOptions, type ClosedLoopResult, runClosedLoop } from './closed-loop.ts';
export { formatDurationMs, parseDurationMs } from './duration.ts';
export { countError, toErrorCode, UNKNOWN_ERROR } from './error-code.ts';
export {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type LatencySummary,
  mergeHistograms,
  percentileMs,
  recordMs,
  type Spread,
  spread,
  summarize,
} from './histogram.ts';
export { type OpenLoopOptions, type OpenLoopResult, runOpenLoop } from './open-loop.ts';
export {
  describePinning,
  detectPinning,
  GENERATOR_CORE,
  type PinningReport,
  pinSelf,
  SERVER_CORE,
  serverWrapper,
} from './pinning.ts';
export {
  type Bottleneck,
  classifyBottleneck,
  type ProcessSampler,
  type ProcessStats,
  SATURATION,
  sampleProcess,
  sampleSelf,
} from './process-stats.ts';
export { createScheduler, SCHEDULER_KINDS, type SchedulerKind } from './scheduler.ts';
