import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Token } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { contextFromObject, loadConfig } from '../../lib/config';
import { createDumpflowStacks } from '../../lib/dumpflow-app';
import { PRODUCTION_GLOBAL_CONTEXT, RESTORED_TABLE, RESTORED_TABLE_CONTEXT, without } from './fixtures';

/** An app that stages placeholder assets instead of running esbuild (bundling is tested elsewhere). */
const newApp = () => new App({ context: { [cxapi.BUNDLING_STACKS]: [] } });

const ROOT = path.join(__dirname, '..', '..');

/** Runs bin/app.ts the way `cdk synth` does (context through CDK_CONTEXT_JSON). */
function runApp(context: Record<string, unknown>) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumpflow-app-'));
  return spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'bin/app.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
    },
  );
}

describe('createDumpflowStacks', () => {
  it('builds environment-agnostic Data, Ingest and Monitoring stacks by default', () => {
    const app = newApp();
    const { data, ingest, monitoring } = createDumpflowStacks(app, loadConfig(contextFromObject({})));
    if (data === undefined) throw new Error('expected a Data stack');
    expect([data, ingest, monitoring].map((stack) => stack.stackName)).toEqual([
      'DumpflowData',
      'DumpflowIngest',
      'DumpflowMonitoring',
    ]);
    for (const stack of [data, ingest, monitoring]) {
      expect(Token.isUnresolved(stack.region)).toBe(true);
      expect(Token.isUnresolved(stack.account)).toBe(true);
    }
  });

  it('pins the stacks to the configured region (and the account it is given) for a global table', () => {
    const app = newApp();
    const config = loadConfig(contextFromObject(PRODUCTION_GLOBAL_CONTEXT));
    const { data, ingest } = createDumpflowStacks(app, config, '111122223333');
    expect([data?.region, ingest.region]).toEqual(['eu-west-1', 'eu-west-1']);
    expect(data?.account).toBe('111122223333');
  });

  it('turns on termination protection for production stacks only', () => {
    const production = createDumpflowStacks(
      newApp(),
      loadConfig(contextFromObject({ 'dumpflow:profile': 'production' })),
    );
    const dev = createDumpflowStacks(newApp(), loadConfig(contextFromObject({})));
    for (const stack of Object.values(production)) expect(stack?.terminationProtection).toBe(true);
    for (const stack of Object.values(dev)) expect(stack?.terminationProtection).toBe(false);
  });

  it('names the stacks after dumpflow:stackPrefix', () => {
    const app = newApp();
    const { data } = createDumpflowStacks(
      app,
      loadConfig(contextFromObject({ 'dumpflow:stackPrefix': 'DumpflowAlice' })),
    );
    expect(data?.stackName).toBe('DumpflowAliceData');
  });

  it('leaves the Data stack out on the restore path and pins Ingest and Monitoring to the table’s region', () => {
    const app = newApp();
    const stacks = createDumpflowStacks(app, loadConfig(contextFromObject(RESTORED_TABLE_CONTEXT)));
    expect(stacks.data).toBeUndefined();
    expect(app.node.tryFindChild('DumpflowData')).toBeUndefined();
    expect([stacks.ingest.region, stacks.monitoring.region]).toEqual(['eu-west-1', 'eu-west-1']);
    expect(stacks.ingest.table.tableName).toBe(RESTORED_TABLE.name);
    expect(stacks.ingest.dependencies).toEqual([]);
  });
});

describe('bin/app.ts', () => {
  it('stops on a bad context value with the message alone (no stack trace) and exit code 1', () => {
    const result = runApp({ 'dumpflow:profile': 'staging' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'dumpflow: context dumpflow:profile must be one of dev, production, got "staging"; see docs/deploy.md',
    );
  });

  it('explains that replicas need a region when none is given', () => {
    const result = runApp(without(PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:region'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('needs a concrete primary region: pass -c dumpflow:region=<region>');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
