/**
 * Issue 6's targets, checked against the figures `dumpflow bench` measured. Pure, so the rule
 * behind every "met" is unit-tested rather than read off a run.
 */
import { meetsPipelineTarget, PIPELINE_TO_CEILING_TARGET } from './pipeline-figures';

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly measured: number | null;
  readonly met: boolean;
}

export interface TargetInputs {
  /** baseline / project read units on the upload mix. */
  readonly mixReadUnitsRatio: number | null;
  /** The same with AWS's 1-unit minimum for the baseline's empty Queries. */
  readonly mixReadUnitsRatioWithMinimum: number | null;
  readonly mixWriteUnitsPerStoredEvent: number | null;
  readonly worstFirstUploadWriteUnitsPerStoredEvent: number | null;
  /** The smallest re-upload speedup over the dump lengths. */
  readonly worstReUploadSpeedup: number | null;
  readonly pipelineToCeilingRatio: number | null;
  /** project stored - baseline stored on the mix (0 = the same result). */
  readonly mixStoredDifference: number;
  /** Whole run, seconds; checked against 60 only for a quick run. */
  readonly quickWallSeconds?: number;
}

export const QUICK_WALL_LIMIT_SECONDS = 60;

const atLeast = (value: number | null, limit: number) => value !== null && value >= limit;
const atMost = (value: number | null, limit: number) => value !== null && value <= limit;

export function benchTargets(inputs: TargetInputs): TargetCheck[] {
  const checks: TargetCheck[] = [
    {
      name: 'readUnitsRatio on the upload mix',
      target: '>= 100 (baseline / project)',
      measured: inputs.mixReadUnitsRatio,
      met: atLeast(inputs.mixReadUnitsRatio, 100),
    },
    {
      name: "readUnitsRatio on the upload mix, AWS's 1-unit minimum for empty Queries",
      target: '>= 100 (baseline / project)',
      measured: inputs.mixReadUnitsRatioWithMinimum,
      met: atLeast(inputs.mixReadUnitsRatioWithMinimum, 100),
    },
    {
      name: 'write units per newly stored event, upload mix',
      target: '<= 1.05',
      measured: inputs.mixWriteUnitsPerStoredEvent,
      met: atMost(inputs.mixWriteUnitsPerStoredEvent, 1.05),
    },
    {
      name: 'write units per newly stored event, worst single first upload',
      target: '<= 1.05',
      measured: inputs.worstFirstUploadWriteUnitsPerStoredEvent,
      met: atMost(inputs.worstFirstUploadWriteUnitsPerStoredEvent, 1.05),
    },
    {
      name: 're-upload speedup (baseline wall / project wall), worst dump length',
      target: '>= 50',
      measured: inputs.worstReUploadSpeedup,
      met: atLeast(inputs.worstReUploadSpeedup, 50),
    },
    {
      name: 'local pipeline / raw write ceiling',
      target: `>= ${PIPELINE_TO_CEILING_TARGET}`,
      measured: inputs.pipelineToCeilingRatio,
      met: meetsPipelineTarget(inputs.pipelineToCeilingRatio),
    },
    {
      name: 'same stored events as the baseline on the mix',
      target: 'equal',
      measured: inputs.mixStoredDifference,
      met: inputs.mixStoredDifference === 0,
    },
  ];
  if (inputs.quickWallSeconds !== undefined) {
    checks.push({
      name: '--quick wall time, seconds',
      target: `< ${QUICK_WALL_LIMIT_SECONDS}`,
      measured: inputs.quickWallSeconds,
      met: inputs.quickWallSeconds < QUICK_WALL_LIMIT_SECONDS,
    });
  }
  return checks;
}
