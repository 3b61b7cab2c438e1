/**
 * The dumpflow CLI entry: bin/dumpflow.js loads this file through tsx, and loading it runs the
 * program. Each command lives in cli/commands/<name>.ts and exports `register<Name>(program)`;
 * wire new commands in below.
 */
import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerGenerate } from './commands/generate';
import { registerInspect } from './commands/inspect';
import { registerPlan } from './commands/plan';
import { registerLocal } from './commands/local';
import { registerVerify } from './commands/verify';
import { reportError } from './errors';

const program = new Command('dumpflow')
  .description(
    'ingest therapy-device dumps (MDMP/1) into DynamoDB; tools to generate, inspect and run locally',
  )
  .showHelpAfterError('(run with --help for usage)');

registerGenerate(program);
registerInspect(program);
registerBench(program);
registerPlan(program);
registerLocal(program);
registerVerify(program);

// Commands report their own failures; this catches anything that escapes one.
program.parseAsync(process.argv).catch((error: unknown) => reportError(error));
