import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { loadConfig, type DumpflowConfig } from '../../lib/config';
import { createDumpflowStacks, type DumpflowStacks } from '../../lib/dumpflow-app';

export {
  KEY_EU_CENTRAL_1,
  KEY_US_EAST_1,
  PRODUCTION_GLOBAL_CONTEXT,
  RESTORED_TABLE,
  RESTORED_TABLE_CONTEXT,
} from './fixtures';

/** One synthesis per app for the infra suites, built exactly as bin/app.ts builds it. */

export interface SynthOptions {
  /** Run esbuild for the functions (slow); off, CDK stages placeholder assets. @default false */
  readonly bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation schema validation, as `cdk synth` does. Loading the schemas
   * costs seconds per test file, so only the suite that mirrors `cdk synth` turns it on.
   * @default false
   */
  readonly cloudFormationValidation?: boolean;
  /** Runs on the app after the stacks exist and before synthesis (the compliance suite adds cdk-nag here). */
  readonly beforeSynth?: (app: App) => void;
}

export interface Synthesized {
  readonly app: App;
  readonly config: DumpflowConfig;
  readonly stacks: DumpflowStacks;
  /** Throws for an app without a Data stack (the restore path, dumpflow:existingTableName). */
  readonly data: Template;
  readonly ingest: Template;
  readonly monitoring: Template;
  readonly assemblyDirectory: string;
}

/** Builds the app exactly as bin/app.ts does (minus process.env) and synthesizes it once. */
export function synthesize(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumpflow-infra-'));
  const app = new App({
    outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? false,
    context: {
      ...context,
      ...(options.bundle ? {} : { [cxapi.BUNDLING_STACKS]: [] }),
    },
  });
  const config = loadConfig(app.node);
  const stacks = createDumpflowStacks(app, config);
  options.beforeSynth?.(app);
  const assembly = app.synth();
  const data = stacks.data === undefined ? undefined : Template.fromStack(stacks.data);
  return {
    app,
    config,
    stacks,
    get data(): Template {
      if (data === undefined)
        throw new Error('this app has no Data stack (dumpflow:existingTableName is set)');
      return data;
    },
    ingest: Template.fromStack(stacks.ingest),
    monitoring: Template.fromStack(stacks.monitoring),
    assemblyDirectory: assembly.directory,
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * The one resource of `type` whose logical id is `name` plus CDK's 8-character hash (for example
 * `DumpQueue` finds `DumpQueueE0254F9E` but not `DumpQueueDeadLetterQueueD1878808`).
 */
export function resourceNamed(
  template: Template,
  type: string,
  name: string,
): { id: string; properties: Record<string, unknown> } {
  const pattern = new RegExp(`^${name}[0-9A-F]{8}$`);
  const matches = Object.entries(template.findResources(type) as Resources).filter(([id]) =>
    pattern.test(id),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} with logical id ${name}<hash>, found ${matches.length}`);
  }
  const [id, resource] = matches[0] as [string, Resources[string]];
  return { id, properties: resource.Properties ?? {} };
}

export function logicalIdOf(template: Template, type: string, name: string): string {
  return resourceNamed(template, type, name).id;
}

/** The one event source mapping of the function whose logical id starts with `${functionName}Function`. */
export function mappingFor(template: Template, functionName: string): Record<string, unknown> {
  const functionId = logicalIdOf(template, 'AWS::Lambda::Function', `${functionName}Function`);
  const mappings = Object.values(
    template.findResources('AWS::Lambda::EventSourceMapping') as Record<
      string,
      { Properties: Record<string, unknown> }
    >,
  )
    .map((resource) => resource.Properties)
    .filter(
      (properties) => JSON.stringify(properties['FunctionName']) === JSON.stringify({ Ref: functionId }),
    );
  if (mappings.length !== 1) {
    throw new Error(`expected one event source mapping for ${functionName}, found ${mappings.length}`);
  }
  return mappings[0] as Record<string, unknown>;
}
