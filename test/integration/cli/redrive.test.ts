import { runCli } from '../../support/run-cli';
import { drain, sendBodies, useLocalS3Sqs } from '../support/s3-sqs';

describe('dumpflow redrive --endpoint (the local runtime’s queues on fauxqs)', () => {
  const local = useLocalS3Sqs();

  it('moves every message of a DLQ back to its source queue, bodies unchanged, and says how many', async () => {
    const { services, sqs } = local.current;
    const bodies = Array.from({ length: 23 }, (_, i) =>
      JSON.stringify({ chunk: i, pad: 'x'.repeat(i * 1000) }),
    );
    await sendBodies(sqs, services.queues.fanoutDlq.url, bodies);
    await sendBodies(sqs, services.queues.dumpDlq.url, ['{"Records":[]}']);

    const result = await runCli(['redrive', '--queue', 'fanout', '--endpoint', services.endpoint, '--json']);
    expect(result.stderr).not.toMatch(/^error /m);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      queue: 'fanout',
      dlqUrl: services.queues.fanoutDlq.url,
      sourceUrl: services.queues.fanout.url,
      moved: 23,
      failed: 0,
    });
    const moved = await drain(sqs, services.queues.fanout.url);
    expect(moved.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(await drain(sqs, services.queues.fanoutDlq.url, 200)).toEqual([]);
    // The other DLQ is left alone.
    expect(await drain(sqs, services.queues.dumpDlq.url)).toHaveLength(1);

    const text = await runCli(['redrive', '--queue', 'fanout', '--endpoint', services.endpoint]);
    expect(text.stdout).toMatch(/^moved 0 message\(s\) from /);
  }, 60_000);

  it('names the queue it cannot find', async () => {
    const result = await runCli([
      'redrive',
      '--queue',
      'dump',
      '--endpoint',
      local.current.services.endpoint,
      '--queue-prefix',
      'other',
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error E_NO_QUEUE: there is no queue other-dump-dlq at the endpoint/m);
  }, 30_000);
});
