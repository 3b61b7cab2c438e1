import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { captureOutput } from '../../../local/capture-output';
import { startLocalPipeline, type LocalPipeline } from '../../../local/pipeline';
import type { LocalPipelineOptions } from '../../../local/pipeline-api';

export interface QuietPipeline {
  readonly pipeline: LocalPipeline;
  /** Stops the pipeline, gives stdout and stderr back and removes the captured logs. */
  stop(): Promise<void>;
}

/**
 * A local pipeline for a test: the handlers' Powertools logger and metrics write to stdout and
 * stderr, so both (and the pipeline's own log lines) go to a temporary file instead of the test
 * output.
 */
export async function startQuietPipeline(
  name: string,
  options: Omit<LocalPipelineOptions, 'log'> = {},
): Promise<QuietPipeline> {
  const logDir = mkdtempSync(path.join(tmpdir(), `dumpflow-${name}-`));
  const output = captureOutput(path.join(logDir, 'functions.jsonl'));
  const cleanUp = async () => {
    await output.restore();
    rmSync(logDir, { recursive: true, force: true });
  };
  let pipeline: LocalPipeline;
  try {
    pipeline = await startLocalPipeline({ ...options, log: (line) => output.stderr(`${line}\n`) });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    pipeline,
    async stop() {
      try {
        await pipeline.stop();
      } finally {
        await cleanUp();
      }
    },
  };
}
