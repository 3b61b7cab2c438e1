import { Tags, type App, type Environment } from 'aws-cdk-lib';
import type { DumpflowConfig } from './config';
import { DataStack } from './stacks/data-stack';
import { IngestStack } from './stacks/ingest-stack';
import { MonitoringStack } from './stacks/monitoring-stack';

export interface DumpflowStacks {
  /**
   * Undefined on the restore path (config.existingTable): the pipeline then uses that table, and
   * the Data stack, which still holds the original table, is left alone rather than updated.
   */
  readonly data: DataStack | undefined;
  readonly ingest: IngestStack;
  readonly monitoring: MonitoringStack;
}

/**
 * The stacks for one deployment. Without a region in the config they are environment-agnostic,
 * so `cdk synth` works offline and without credentials.
 */
export function createDumpflowStacks(app: App, config: DumpflowConfig, account?: string): DumpflowStacks {
  const env: Environment | undefined =
    config.region === undefined ? undefined : { region: config.region, account };
  const prefix = config.stackPrefix;
  // Production stacks refuse `cdk destroy` / DeleteStack until protection is turned off by hand.
  const terminationProtection = config.profile === 'production';

  // Left out rather than kept on the restore path: deployed alongside, it would drop the exports the
  // Ingest stack no longer imports, and CloudFormation refuses that while the old Ingest stack
  // still imports them (the stacks would not depend on each other, so nothing orders the updates).
  const data =
    config.existingTable === undefined
      ? new DataStack(app, `${prefix}Data`, {
          config,
          env,
          terminationProtection,
          description: 'dumpflow: DynamoDB table (global table when replicas are configured) and its KMS key',
        })
      : undefined;
  const ingest = new IngestStack(app, `${prefix}Ingest`, {
    config,
    env,
    terminationProtection,
    table: data?.table,
    description: 'dumpflow: dump bucket, queues, parser/worker/KPI functions and their event sources',
  });
  const monitoring = new MonitoringStack(app, `${prefix}Monitoring`, {
    config,
    env,
    terminationProtection,
    table: ingest.table,
    dumpQueue: ingest.dumpQueue,
    fanoutQueue: ingest.fanoutQueue,
    kpiFailureQueue: ingest.kpiFailureQueue,
    parser: ingest.parser,
    worker: ingest.worker,
    kpi: ingest.kpi,
    watchdog: ingest.watchdog,
    description: 'dumpflow: CloudWatch dashboard, alarms and the alarm SNS topic',
  });

  Tags.of(app).add('project', 'dumpflow');
  Tags.of(app).add('dumpflow:profile', config.profile);
  return { data, ingest, monitoring };
}
