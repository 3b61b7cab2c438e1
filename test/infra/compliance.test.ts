import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { addComplianceChecks } from '../../lib/compliance';
import { PRODUCTION_GLOBAL_CONTEXT, RESTORED_TABLE_CONTEXT, synthesize, type Synthesized } from './synth';

/**
 * cdk-nag 3 is a policy-validation plugin: CDK runs it after synthesis, writes every finding it
 * does not consider acknowledged to validation-report.json in the cloud assembly, and fails the
 * synthesis when one is an error. These tests read that report.
 */

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: Array<{ constructPath: string }>;
}
interface ValidationReport {
  pluginReports: Array<{ pluginName: string; conclusion: string; violations: Violation[] }>;
}

function readReport(assemblyDirectory: string): ValidationReport {
  return JSON.parse(
    fs.readFileSync(path.join(assemblyDirectory, cxapi.VALIDATION_REPORT_FILE), 'utf8'),
  ) as ValidationReport;
}

/** "severity rule @ construct" lines, so a failure names exactly what to fix. */
function findings(report: ValidationReport): string[] {
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map(
        (c) => `${violation.severity} ${violation.ruleName} @ ${c.constructPath}`,
      ),
    ),
  );
}

function acknowledgements(
  root: IConstruct,
): Array<{ path: string; id: string; reason: string; scope: IConstruct }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
          scope: construct,
        })),
      ),
  );
}

describe('cdk-nag compliance (AwsSolutions, HIPAA.Security, Serverless)', () => {
  let dev: Synthesized;
  let production: Synthesized;
  let throwaway: Synthesized;
  let restored: Synthesized;

  beforeAll(() => {
    // As `cdk synth` does: esbuild bundling (dev), CloudFormation schema validation, cdk-nag.
    dev = synthesize({}, { beforeSynth: addComplianceChecks, bundle: true, cloudFormationValidation: true });
    production = synthesize(PRODUCTION_GLOBAL_CONTEXT, {
      beforeSynth: addComplianceChecks,
      cloudFormationValidation: true,
    });
    // Destroyable dev deployment: adds CDK's auto-delete custom resource; one function reserved.
    throwaway = synthesize(
      { 'dumpflow:removalPolicy': 'destroy', 'dumpflow:workerReservedConcurrency': '30' },
      { beforeSynth: addComplianceChecks, cloudFormationValidation: true },
    );
    // The restore path: no Data stack, the pipeline on an imported table.
    restored = synthesize(
      { 'dumpflow:profile': 'production', ...RESTORED_TABLE_CONTEXT },
      { beforeSynth: addComplianceChecks, cloudFormationValidation: true },
    );
  });

  it('catches a non-compliant resource and fails synthesis (control: the checks really run)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumpflow-nag-control-'));
    const app = new App({ outdir });
    new s3.Bucket(new Stack(app, 'Control'), 'PlainBucket');
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow(/ERROR The S3 Bucket has server access logs disabled/);
    const lines = findings(readReport(outdir));
    expect(lines).toContain('error AwsSolutions-S1 @ Control/PlainBucket/Resource');
    expect(lines).toContain('error HIPAA.Security-S3BucketLoggingEnabled @ Control/PlainBucket/Resource');
    expect(lines).toContain('error AwsSolutions-S10 @ Control/PlainBucket/Resource');
  });

  it.each([
    ['dev (bundled)', () => dev],
    ['production with replicas and an alarm email', () => production],
    ['a destroyable dev deployment with one reserved function', () => throwaway],
    ['production on a restored table (no Data stack)', () => restored],
  ])('reports no unacknowledged findings for %s, not even warnings', (_name, synthesized) => {
    const { assemblyDirectory } = synthesized();
    expect(fs.existsSync(path.join(assemblyDirectory, cxapi.VALIDATION_REPORT_FILE))).toBe(true);
    expect(findings(readReport(assemblyDirectory))).toEqual([]);
  });

  it('bundled each of the four handlers into its own asset, beside the layout marker provider CDK ships', () => {
    const assets = fs.readdirSync(dev.assemblyDirectory).filter((entry) => entry.startsWith('asset.'));
    // Our esbuild bundles carry source maps; CDK's prebuilt custom-resource provider does not.
    const bundles = assets.filter((asset) =>
      fs.existsSync(path.join(dev.assemblyDirectory, asset, 'index.js.map')),
    );
    expect(bundles).toHaveLength(4);
    expect(assets).toHaveLength(5);
    for (const asset of bundles) {
      expect(fs.statSync(path.join(dev.assemblyDirectory, asset, 'index.js')).size).toBeGreaterThan(0);
    }
  });

  describe('acknowledgements', () => {
    it('each carry a written reason', () => {
      const all = [...acknowledgements(dev.app), ...acknowledgements(production.app)];
      expect(all.length).toBeGreaterThan(0);
      for (const { id, reason } of all) {
        expect({ id, reason: reason.length >= 60 }).toEqual({ id, reason: true });
      }
    });

    it('sit on the resource they concern, never on an app or a whole stack', () => {
      for (const { path: where, scope } of [
        ...acknowledgements(dev.app),
        ...acknowledgements(production.app),
      ]) {
        expect({ where, broad: App.isApp(scope) || Stack.isStack(scope) }).toEqual({ where, broad: false });
      }
    });

    it('acknowledge missing reserved concurrency only on functions without it', () => {
      const concurrency = (app: App) =>
        acknowledgements(app)
          .filter((ack) => ack.id.endsWith('HIPAA.Security-LambdaConcurrency'))
          .map((ack) => ack.path)
          .sort();
      // CDK's deploy-time provider of the layout marker runs once, while the table is created.
      const provider = 'DumpflowData/AWS679f53fac002430cb0da5b7982bd2287';
      expect(concurrency(dev.app)).toEqual([
        provider,
        'DumpflowIngest/Kpi/Function',
        'DumpflowIngest/Parser/Function',
        'DumpflowIngest/Watchdog/Function',
        'DumpflowIngest/Worker/Function',
      ]);
      expect(concurrency(production.app)).toEqual([provider]);
      expect(concurrency(throwaway.app)).toEqual([
        provider,
        'DumpflowIngest/Kpi/Function',
        'DumpflowIngest/Parser/Function',
        'DumpflowIngest/Watchdog/Function',
      ]);
    });
  });
});
