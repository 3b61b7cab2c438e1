import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { ConfigError } from '../../lambdas/core/errors';
import {
  CONTEXT_KEYS,
  contextFromObject,
  loadConfig,
  LOG_RETENTION_DAYS,
  type DumpflowConfig,
} from '../../lib/config';
import { contextTableRows, documentedRows } from '../../lib/config/docs-table';
import {
  KEY_EU_CENTRAL_1,
  KEY_US_EAST_1,
  PRODUCTION_GLOBAL_CONTEXT,
  RESTORED_TABLE,
  RESTORED_TABLE_CONTEXT,
  without,
} from './fixtures';

const load = (values: Record<string, unknown> = {}, env: Record<string, string> = {}): DumpflowConfig =>
  loadConfig(contextFromObject(values), env);

/** Runs `action`, expecting a ConfigError, and returns its message. */
function configErrorOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('E_CONFIG');
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfig', () => {
  describe('dev profile (the default)', () => {
    const config = load();

    it('uses AWS on-demand starting values as warm throughput, so there is no pre-warm charge', () => {
      expect(config.profile).toBe('dev');
      expect(config.warmReadUnitsPerSecond).toBe(12_000);
      expect(config.warmWriteUnitsPerSecond).toBe(4_000);
    });

    it('reserves no concurrency and keeps small concurrency limits', () => {
      expect(config.parser).toEqual({
        memoryMb: 3008,
        timeoutSeconds: 120,
        maxConcurrency: 5,
        reservedConcurrency: undefined,
      });
      expect(config.worker).toEqual({
        memoryMb: 1024,
        timeoutSeconds: 60,
        maxConcurrency: 20,
        reservedConcurrency: undefined,
        batchSize: 10,
      });
      expect(config.kpi).toEqual({
        memoryMb: 512,
        timeoutSeconds: 30,
        reservedConcurrency: undefined,
        batchSize: 100,
        parallelizationFactor: 1,
        maxRecordAgeSeconds: 3600,
        retryAttempts: 5,
      });
    });

    it('is environment-agnostic, has no replicas and keeps data by default (deletion protection on)', () => {
      expect(config.region).toBeUndefined();
      expect(config.replicaRegions).toEqual([]);
      expect(config.removalPolicy).toBe('retain');
      expect(config.deletionProtection).toBe(true);
    });

    it('has the documented retention, prefixes and alarm thresholds', () => {
      expect(config).toMatchObject({
        saltBuckets: 10,
        maxReceiveCount: 5,
        logRetentionDays: 30,
        logLevel: 'INFO',
        incomingPrefix: 'incoming/',
        uploadKeyLayout: 'device-prefix',
        rejectedPrefix: 'rejected/',
        stagingPrefix: 'staging/',
        rejectedRetentionDays: 30,
        processedRetentionDays: 7,
        noncurrentRetentionDays: 7,
        alarmEmail: undefined,
        alarmQueueAgeSeconds: 120,
        alarmIteratorAgeSeconds: 600,
        alarmUploadToCompleteP99Ms: 60_000,
        stackPrefix: 'Dumpflow',
      });
    });

    it('has no upload-silence alarm, shows throttled keys only, and uses the Data stack’s table', () => {
      expect(config).toMatchObject({
        alarmNoUploadsMinutes: undefined,
        alarmRejectedPercent: 5,
        alarmConflictPercent: 1,
        runbookUrl: 'docs/operations.md',
        contributorInsights: 'throttled-keys',
        existingTable: undefined,
      });
    });

    it('turns deletion protection off only when removalPolicy is destroy', () => {
      const destroy = load({ 'dumpflow:removalPolicy': 'destroy' });
      expect(destroy.removalPolicy).toBe('destroy');
      expect(destroy.deletionProtection).toBe(false);
    });
  });

  describe('production profile', () => {
    const config = load({ 'dumpflow:profile': 'production' });

    it("keeps a new table's warm throughput (12,000 reads, 4,000 writes per second): the plan's peak needs less", () => {
      expect(config.warmReadUnitsPerSecond).toBe(12_000);
      expect(config.warmWriteUnitsPerSecond).toBe(4_000);
    });

    it("reserves the plan's concurrency, at least as high as each event source may drive", () => {
      expect(config.parser.maxConcurrency).toBe(45);
      expect(config.parser.reservedConcurrency).toBe(45);
      expect(config.worker.maxConcurrency).toBe(15);
      expect(config.worker.reservedConcurrency).toBe(15);
      expect(config.kpi.reservedConcurrency).toBe(10);
      expect(config.kpi.parallelizationFactor).toBe(2);
    });

    it('keeps logs and rejected dumps for a year', () => {
      expect(config.logRetentionDays).toBe(365);
      expect(config.rejectedRetentionDays).toBe(365);
      expect(config.processedRetentionDays).toBe(90);
      expect(config.deletionProtection).toBe(true);
    });

    it('alarms after an hour without uploads and keeps patient ids out of Contributor Insights', () => {
      expect(config.alarmNoUploadsMinutes).toBe(60);
      expect(config.contributorInsights).toBe('off');
    });

    it('turns the upload-silence alarm off with "none" and Contributor Insights on by choice', () => {
      const custom = load({
        'dumpflow:profile': 'production',
        'dumpflow:alarmNoUploadsMinutes': 'none',
        'dumpflow:contributorInsights': 'throttled-keys',
      });
      expect(custom.alarmNoUploadsMinutes).toBeUndefined();
      expect(custom.contributorInsights).toBe('throttled-keys');
    });

    it('refuses removalPolicy=destroy', () => {
      expect(
        configErrorOf(() => load({ 'dumpflow:profile': 'production', 'dumpflow:removalPolicy': 'destroy' })),
      ).toMatch(/removalPolicy=destroy is refused for the production profile/);
    });
  });

  describe('value forms', () => {
    it('reads numbers given as strings (the form -c passes) and as JSON numbers', () => {
      expect(load({ 'dumpflow:parserMemoryMb': '4096' }).parser.memoryMb).toBe(4096);
      expect(load({ 'dumpflow:parserMemoryMb': 2048 }).parser.memoryMb).toBe(2048);
    });

    it('reads lists as comma-separated strings or JSON arrays, and maps as name=value pairs or JSON objects', () => {
      const fromCli = load(PRODUCTION_GLOBAL_CONTEXT);
      const fromJson = load({
        ...PRODUCTION_GLOBAL_CONTEXT,
        'dumpflow:replicaRegions': ['eu-central-1', 'us-east-1'],
        'dumpflow:replicaKeyArns': { 'eu-central-1': KEY_EU_CENTRAL_1, 'us-east-1': KEY_US_EAST_1 },
      });
      for (const config of [fromCli, fromJson]) {
        expect(config.region).toBe('eu-west-1');
        expect(config.replicaRegions).toEqual(['eu-central-1', 'us-east-1']);
        expect(config.replicaKeyArns).toEqual({
          'eu-central-1': KEY_EU_CENTRAL_1,
          'us-east-1': KEY_US_EAST_1,
        });
        expect(config.alarmEmail).toBe('oncall@example.com');
      }
    });

    it('turns reserved concurrency off with "none"', () => {
      const config = load({ 'dumpflow:profile': 'production', 'dumpflow:workerReservedConcurrency': 'none' });
      expect(config.worker.reservedConcurrency).toBeUndefined();
    });

    it('accepts every whole number inside a range and rejects every one outside it', () => {
      fc.assert(
        fc.property(fc.integer({ min: -100_000, max: 100_000 }), (value) => {
          const read = () => load({ 'dumpflow:workerMemoryMb': String(value) }).worker.memoryMb;
          if (value >= 128 && value <= 10_240) {
            expect(read()).toBe(value);
          } else {
            expect(configErrorOf(read)).toContain(
              'dumpflow:workerMemoryMb must be a whole number from 128 to 10240',
            );
          }
        }),
      );
    });
  });

  describe('existing table (restore path)', () => {
    it('reads the name, stream and key, and pins the stacks to the table’s region', () => {
      const config = load({ 'dumpflow:profile': 'production', ...RESTORED_TABLE_CONTEXT });
      expect(config.existingTable).toEqual({
        tableName: RESTORED_TABLE.name,
        streamArn: RESTORED_TABLE.streamArn,
        keyArn: RESTORED_TABLE.keyArn,
        region: 'eu-west-1',
      });
      expect(config.region).toBe('eu-west-1');
    });

    it('accepts dumpflow:region when it is the table’s region', () => {
      expect(load({ ...RESTORED_TABLE_CONTEXT, 'dumpflow:region': 'eu-west-1' }).region).toBe('eu-west-1');
    });
  });

  describe('environment', () => {
    it('stays region-agnostic without replicas even when CDK_DEFAULT_REGION is set', () => {
      expect(load({}, { CDK_DEFAULT_REGION: 'eu-west-1' }).region).toBeUndefined();
    });

    it('takes the primary region from CDK_DEFAULT_REGION when replicas need one and no context region is given', () => {
      expect(
        load(without(PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:region'), { CDK_DEFAULT_REGION: 'eu-west-1' })
          .region,
      ).toBe('eu-west-1');
    });

    it('fails with a clear message when replicas are configured without any region', () => {
      expect(configErrorOf(() => load(without(PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:region')))).toMatch(
        /replicaRegions makes the table a global table, which needs a concrete primary region: pass -c dumpflow:region=<region>/,
      );
    });
  });

  describe('every problem at once', () => {
    it('names every bad value and every broken rule in one ConfigError, one line each', () => {
      const message = configErrorOf(() =>
        load({
          'dumpflow:saltBuckets': '0',
          'dumpflow:logLevel': 'LOUD',
          'dumpflow:parserMem': '1',
          'dumpflow:workerReservedConcurrency': '3',
          'dumpflow:rejectedPrefix': 'incoming/rejected/',
        }),
      );
      const lines = message.split('\n');
      expect(lines[0]).toBe('5 problems in the dumpflow context:');
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^- unknown context key dumpflow:parserMem;/),
        expect.stringMatching(
          /^- context dumpflow:saltBuckets must be a whole number from 1 to 1000, got "0"/,
        ),
        expect.stringMatching(
          /^- context dumpflow:logLevel must be one of DEBUG, INFO, WARN, ERROR, got "LOUD"/,
        ),
        expect.stringMatching(
          /^- context dumpflow:workerReservedConcurrency \(3\) is below dumpflow:workerMaxConcurrency \(20\)/,
        ),
        expect.stringMatching(
          /^- context dumpflow:incomingPrefix \("incoming\/"\) and dumpflow:rejectedPrefix/,
        ),
      ]);
    });
  });

  describe('fails fast on bad values', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'an unknown key (typo)',
        { 'dumpflow:parserMemory': '1024' },
        /unknown context key dumpflow:parserMemory/,
      ],
      [
        'an unknown profile',
        { 'dumpflow:profile': 'staging' },
        /dumpflow:profile must be one of dev, production, got "staging"/,
      ],
      [
        'a fraction',
        { 'dumpflow:saltBuckets': '2.5' },
        /dumpflow:saltBuckets must be a whole number from 1 to 1000, got "2.5"/,
      ],
      [
        'a word for a number',
        { 'dumpflow:kpiBatchSize': 'many' },
        /dumpflow:kpiBatchSize must be a whole number/,
      ],
      ['a timeout over 15 minutes', { 'dumpflow:parserTimeoutSeconds': '901' }, /from 1 to 900/],
      [
        'warm reads below the on-demand baseline',
        { 'dumpflow:warmReadUnitsPerSecond': '1000' },
        /from 12000 to/,
      ],
      [
        'warm writes below the on-demand baseline',
        { 'dumpflow:warmWriteUnitsPerSecond': '3999' },
        /from 4000 to/,
      ],
      [
        'a retention CloudWatch does not offer',
        { 'dumpflow:logRetentionDays': '31' },
        /must be one of 1, 3, 5/,
      ],
      [
        'a bad email address',
        { 'dumpflow:alarmEmail': 'oncall' },
        /dumpflow:alarmEmail must be an email address/,
      ],
      ['a bad log level', { 'dumpflow:logLevel': 'TRACE' }, /must be one of DEBUG, INFO, WARN, ERROR/],
      ['a bad removal policy', { 'dumpflow:removalPolicy': 'snapshot' }, /must be one of retain, destroy/],
      [
        'an unknown upload key layout',
        { 'dumpflow:uploadKeyLayout': 'per-device' },
        /dumpflow:uploadKeyLayout must be one of device-prefix, any/,
      ],
      [
        'a prefix without a trailing slash',
        { 'dumpflow:incomingPrefix': 'incoming' },
        /must be an S3 key prefix ending in '\/'/,
      ],
      [
        'overlapping prefixes (rejected copies would be parsed again)',
        { 'dumpflow:incomingPrefix': 'dumps/', 'dumpflow:rejectedPrefix': 'dumps/rejected/' },
        /incomingPrefix \("dumps\/"\) and dumpflow:rejectedPrefix \("dumps\/rejected\/"\) overlap/,
      ],
      [
        'a staging prefix inside the incoming one (staged days would be parsed as uploads)',
        { 'dumpflow:stagingPrefix': 'incoming/staging/' },
        /incomingPrefix \("incoming\/"\) and dumpflow:stagingPrefix \("incoming\/staging\/"\) overlap/,
      ],
      [
        'reserved concurrency below the event source maximum',
        { 'dumpflow:workerMaxConcurrency': '50', 'dumpflow:workerReservedConcurrency': '40' },
        /dumpflow:workerReservedConcurrency \(40\) is below dumpflow:workerMaxConcurrency \(50\)/,
      ],
      ['an SQS maximum concurrency below 2', { 'dumpflow:parserMaxConcurrency': '1' }, /from 2 to 1000/],
      ['a bad stack prefix', { 'dumpflow:stackPrefix': '1dumpflow' }, /must start with a letter/],
      [
        'a replica region without a key',
        { ...PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:replicaKeyArns': `eu-central-1=${KEY_EU_CENTRAL_1}` },
        /replica region us-east-1 has no KMS key.*add us-east-1=<key ARN> to dumpflow:replicaKeyArns/,
      ],
      [
        'a key ARN from another region',
        {
          ...PRODUCTION_GLOBAL_CONTEXT,
          'dumpflow:replicaKeyArns': `eu-central-1=${KEY_US_EAST_1},us-east-1=${KEY_US_EAST_1}`,
        },
        /must map eu-central-1 to a KMS key ARN in eu-central-1/,
      ],
      [
        'a key for a region that is not a replica',
        {
          ...PRODUCTION_GLOBAL_CONTEXT,
          'dumpflow:replicaKeyArns': `eu-central-1=${KEY_EU_CENTRAL_1},us-east-1=${KEY_US_EAST_1},ap-south-1=arn:aws:kms:ap-south-1:111122223333:key/abc`,
        },
        /names a region that is not in dumpflow:replicaRegions/,
      ],
      [
        'the primary region listed as a replica',
        { ...PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:region': 'us-east-1' },
        /must not include the primary region us-east-1/,
      ],
      [
        'a malformed region',
        { ...PRODUCTION_GLOBAL_CONTEXT, 'dumpflow:replicaRegions': 'Frankfurt' },
        /must hold AWS region names/,
      ],
      [
        'a region listed twice',
        { 'dumpflow:replicaRegions': 'eu-central-1,eu-central-1', 'dumpflow:region': 'eu-west-1' },
        /must not name a region twice/,
      ],
      ['malformed JSON', { 'dumpflow:replicaRegions': '["eu-central-1"' }, /must be a list of strings/],
      [
        'an upload-silence window under 5 minutes',
        { 'dumpflow:alarmNoUploadsMinutes': '4' },
        /dumpflow:alarmNoUploadsMinutes must be a whole number from 5 to 1440, or "none"/,
      ],
      ['a rejection share over 100 %', { 'dumpflow:alarmRejectedPercent': '101' }, /from 1 to 100/],
      ['a conflict share of 0 %', { 'dumpflow:alarmConflictPercent': '0' }, /from 1 to 100/],
      [
        'a runbook URL that is not https',
        { 'dumpflow:runbookUrl': 'http://wiki.example.com/ops' },
        /dumpflow:runbookUrl must be an https:\/\/ URL/,
      ],
      [
        'a runbook URL with a fragment (the alarms add their own)',
        { 'dumpflow:runbookUrl': 'https://example.com/docs/operations.md#top' },
        /without a #fragment/,
      ],
      [
        'an unknown Contributor Insights mode',
        { 'dumpflow:contributorInsights': 'all' },
        /must be one of off, throttled-keys, accessed-and-throttled-keys/,
      ],
      [
        'an existing table without its stream and key',
        { 'dumpflow:existingTableName': RESTORED_TABLE.name },
        /needs its name, stream ARN and KMS key ARN together; add dumpflow:existingTableStreamArn and dumpflow:existingTableKeyArn/,
      ],
      [
        'a stream of another table',
        {
          ...RESTORED_TABLE_CONTEXT,
          'dumpflow:existingTableStreamArn': RESTORED_TABLE.streamArn.replace('restored', 'original'),
        },
        new RegExp(`existingTableStreamArn must be a stream of table ${RESTORED_TABLE.name}`),
      ],
      [
        'a malformed stream ARN',
        {
          ...RESTORED_TABLE_CONTEXT,
          'dumpflow:existingTableStreamArn': 'arn:aws:dynamodb:eu-west-1:1:table/x',
        },
        /must be a DynamoDB stream ARN/,
      ],
      [
        'a table key in another region',
        { ...RESTORED_TABLE_CONTEXT, 'dumpflow:existingTableKeyArn': KEY_EU_CENTRAL_1 },
        /existingTableKeyArn must be a key in eu-west-1, the table's region/,
      ],
      [
        'an existing table outside dumpflow:region',
        { ...RESTORED_TABLE_CONTEXT, 'dumpflow:region': 'us-east-1' },
        /must be in us-east-1 \(dumpflow:region\)/,
      ],
      [
        'replicas with an existing table (they belong to the Data stack’s table)',
        { ...PRODUCTION_GLOBAL_CONTEXT, ...RESTORED_TABLE_CONTEXT },
        /remove dumpflow:replicaRegions and dumpflow:replicaKeyArns and add replicas to the existing table itself/,
      ],
      [
        'a malformed table name',
        { ...RESTORED_TABLE_CONTEXT, 'dumpflow:existingTableName': 'a b' },
        /table name/,
      ],
    ];

    it.each(cases)('%s', (_name, context, message) => {
      expect(configErrorOf(() => load(context))).toMatch(message);
    });

    it('points every message at docs/deploy.md or says what to change', () => {
      for (const [, context] of cases) {
        expect(configErrorOf(() => load(context))).toMatch(/docs\/deploy\.md|add |pass |raise |choose |use /);
      }
    });
  });
});

describe('docs/deploy.md', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');

  it('holds the context table rendered from the schema: every key, its defaults per profile and its range', () => {
    // After changing a row: npx tsx lib/config/docs-table.ts --write && npx prettier --write docs/deploy.md
    expect(documentedRows(docs)).toEqual(contextTableRows());
    expect(contextTableRows().map(([key]) => key)).toEqual(CONTEXT_KEYS.map((key) => `\`dumpflow:${key}\``));
  });

  it('states the profile defaults the loader uses for warm throughput and reserved concurrency', () => {
    const production = loadConfig(contextFromObject({ 'dumpflow:profile': 'production' }));
    const row = (key: string) => contextTableRows().find(([name]) => name === `\`dumpflow:${key}\``);
    expect(row('warmReadUnitsPerSecond')?.[2]).toBe(
      production.warmReadUnitsPerSecond.toLocaleString('en-US'),
    );
    expect(row('parserReservedConcurrency')?.[2]).toBe(String(production.parser.reservedConcurrency));
    expect(row('parserReservedConcurrency')?.[1]).toBe('none');
    expect(row('logRetentionDays')?.[3]).toContain(LOG_RETENTION_DAYS.join(', '));
  });
});
