/**
 * The dumpflow CLI entry: bin/dumpflow.js loads this file through tsx, and loading it runs the
 * program. Each command lives in cli/commands/<name>.ts and exports `register<Name>(program)`;
 * wire new commands in below.
 */
import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerErase } from './commands/erase';
import { registerEvents } from './commands/events';
import { registerGenerate } from './commands/generate';
import { registerInspect } from './commands/inspect';
import { registerKpis } from './commands/kpis';
import { registerPlan } from './commands/plan';
import { registerLocal } from './commands/local';
import { registerRedrive } from './commands/redrive';
import { registerStatus } from './commands/status';
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
registerEvents(program);
registerKpis(program);
registerErase(program);
registerStatus(program);
registerRedrive(program);

// A reader that stops early (`dumpflow events ... | head`) closes the pipe: that is not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

// Commands report their own failures; this catches anything that escapes one.
program.parseAsync(process.argv).catch((error: unknown) => reportError(error));
