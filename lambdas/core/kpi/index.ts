/** KPI maths (pure) and the recompute step the KPI function runs. */
export {
  computeKpis,
  WINDOW_DAYS,
  COMPLIANCE_DAYS,
  USAGE_THRESHOLD_SECONDS,
  type DayKpiInputs,
  type Kpis,
} from './compute';
export {
  recomputeKpis,
  type RecomputeKpisDeps,
  type RecomputeKpisOptions,
  type RecomputeKpisResult,
} from './recompute';
export { mayBeInKpiWindow } from './removed-day';
export { roundRational } from './rounding';
export { scaledDouble, formatScaledSum, parseScaledSum, SCALE } from './exact-sum';
