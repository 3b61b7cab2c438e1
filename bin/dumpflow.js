#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on the fly so `npx dumpflow` works right after `npm ci`, with no build step.
require('tsx/cjs');
require('../cli/main.ts');
