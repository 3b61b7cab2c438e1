import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Fauxqs from 'fauxqs';
import { FauxqsMissingError } from '../errors';

export type FauxqsModule = typeof Fauxqs;
export type FauxqsServer = Fauxqs.FauxqsServer;

/**
 * Loads fauxqs into this process.
 *
 * fauxqs ships as ESM only and its package.json exports no `require` condition, so neither
 * `require('fauxqs')` (tsx, plain Node) nor Jest on Node 20 (which cannot `import()` without
 * --experimental-vm-modules) can load it directly. esbuild (already a dependency) rewrites the
 * package's own files to one CommonJS file, once per fauxqs version; its dependencies stay external
 * and are required as usual. The first build takes a second or two; it is cached in node_modules/.cache.
 */
export function loadFauxqs(): FauxqsModule {
  const packageDir = fauxqsPackageDir();
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const entry = path.join(packageDir, 'dist', 'app.js');
  const bundle = cachedBundle(path.join(packageDir, '..', '.cache', 'dumpflow'), version, entry);
  return createRequire(__filename)(bundle) as FauxqsModule;
}

function cachedBundle(cacheDir: string, version: string, entry: string): string {
  const bundle = path.join(cacheDir, `fauxqs-${version}.js`);
  if (existsSync(bundle)) return bundle;
  // The bundle must sit under node_modules: its dependencies stay external and resolve from there.
  mkdirSync(cacheDir, { recursive: true });
  // Parallel Jest workers may build at the same time: each writes its own file and the rename is atomic.
  const scratch = `${bundle}.${process.pid}.tmp`;
  buildSync({
    entryPoints: [entry],
    outfile: scratch,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
  });
  renameSync(scratch, bundle);
  return bundle;
}

/** The package exports neither `.` for require nor `./package.json`, so look it up the way Node would. */
function fauxqsPackageDir(): string {
  for (const nodeModules of require.resolve.paths('fauxqs') ?? []) {
    const candidate = path.join(nodeModules, 'fauxqs');
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
  }
  throw new FauxqsMissingError();
}
