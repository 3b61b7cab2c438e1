import { App } from 'aws-cdk-lib';
import { DumpflowError } from '../lambdas/core/errors';
import { loadConfig } from '../lib/config';
import { addComplianceChecks } from '../lib/compliance';
import { createDumpflowStacks } from '../lib/dumpflow-app';

const app = new App();
try {
  const config = loadConfig(app.node, process.env);
  createDumpflowStacks(
    app,
    config,
    config.region === undefined ? undefined : process.env.CDK_DEFAULT_ACCOUNT,
  );
  addComplianceChecks(app);
} catch (error) {
  if (!(error instanceof DumpflowError)) throw error;
  // A configuration mistake: the message says what to change, a stack trace would only bury it.
  console.error(`dumpflow: ${error.message}`);
  process.exit(1);
}
app.synth();
