/**
 * An in-memory DynamoDB stream behind the three calls the stream poller makes (DescribeStream,
 * GetShardIterator, GetRecords), for tests of shard handling that DynamoDB Local cannot set up
 * (closed shards, splits, expired iterators).
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import { aStreamsRecord } from './stream-records';

interface FakeShard {
  readonly id: string;
  readonly parentId?: string;
  readonly records: StreamsRecord[];
  closed: boolean;
}

export class FakeStream {
  readonly streamArn = 'arn:aws:dynamodb:us-east-1:000000000000:table/fake/stream/2024-03-12T08:00:00.000';
  readonly shards: FakeShard[] = [];
  /** Iterator types asked for, as "shardId:TYPE". */
  readonly iteratorRequests: string[] = [];
  private nextSequence = 1;
  private expireNext = 0;

  addShard(id: string, parentId?: string): this {
    this.shards.push({ id, ...(parentId === undefined ? {} : { parentId }), records: [], closed: false });
    return this;
  }

  /** Appends records with increasing sequence numbers; returns their sort keys. */
  write(shardId: string, ...sortKeys: string[]): this {
    const shard = this.shard(shardId);
    for (const sk of sortKeys) {
      shard.records.push(
        aStreamsRecord({ sk, sequenceNumber: String(this.nextSequence++).padStart(21, '0') }),
      );
    }
    return this;
  }

  close(shardId: string): this {
    this.shard(shardId).closed = true;
    return this;
  }

  /** The next `count` GetRecords calls fail with ExpiredIteratorException. */
  expireIterators(count: number): this {
    this.expireNext = count;
    return this;
  }

  client(): DynamoDBStreamsClient {
    const send = async (command: unknown): Promise<unknown> => {
      if (command instanceof DescribeStreamCommand) return this.describe();
      if (command instanceof GetShardIteratorCommand) {
        const { ShardId = '', ShardIteratorType = 'LATEST', SequenceNumber } = command.input;
        this.iteratorRequests.push(`${ShardId}:${ShardIteratorType}`);
        const shard = this.shard(ShardId);
        const index =
          ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : ShardIteratorType === 'LATEST'
              ? shard.records.length
              : shard.records.findIndex((r) => r.dynamodb?.SequenceNumber === SequenceNumber) +
                (ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' ? 1 : 0);
        return { ShardIterator: `${ShardId}|${index}` };
      }
      if (command instanceof GetRecordsCommand) {
        if (this.expireNext > 0) {
          this.expireNext -= 1;
          throw Object.assign(new Error('Iterator expired'), { name: 'ExpiredIteratorException' });
        }
        const [shardId = '', from = '0'] = (command.input.ShardIterator ?? '').split('|');
        const shard = this.shard(shardId);
        const start = Number(from);
        const records = shard.records.slice(start, start + (command.input.Limit ?? 1000));
        const next = start + records.length;
        const ended = shard.closed && next >= shard.records.length;
        return { Records: records, NextShardIterator: ended ? undefined : `${shardId}|${next}` };
      }
      throw new Error(`FakeStream does not answer ${String(command)}`);
    };
    return { send } as unknown as DynamoDBStreamsClient;
  }

  private describe() {
    return {
      StreamDescription: {
        StreamArn: this.streamArn,
        Shards: this.shards.map((s) => ({
          ShardId: s.id,
          ...(s.parentId === undefined ? {} : { ParentShardId: s.parentId }),
          SequenceNumberRange: {
            StartingSequenceNumber: s.records[0]?.dynamodb?.SequenceNumber ?? '0',
            ...(s.closed ? { EndingSequenceNumber: s.records.at(-1)?.dynamodb?.SequenceNumber ?? '0' } : {}),
          },
        })),
      },
    };
  }

  private shard(id: string): FakeShard {
    const shard = this.shards.find((s) => s.id === id);
    if (shard === undefined)
      throw Object.assign(new Error(`no shard ${id}`), { name: 'ResourceNotFoundException' });
    return shard;
  }
}
