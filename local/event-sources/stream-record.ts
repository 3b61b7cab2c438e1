import type {
  _Record as StreamsRecord,
  AttributeValue as StreamsAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';

/**
 * Turns a record read with GetRecords into the record Lambda puts in a DynamoDBStreamEvent: the
 * same fields, plus eventSourceARN, with ApproximateCreationDateTime in epoch seconds and binary
 * attribute values base64-encoded (the SDK hands them over as bytes and dates).
 */
export function toLambdaStreamRecord(record: StreamsRecord, streamArn: string): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (source.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = Math.floor(source.ApproximateCreationDateTime.getTime() / 1000);
  }
  if (source.Keys !== undefined) dynamodb.Keys = toLambdaItem(source.Keys);
  if (source.NewImage !== undefined) dynamodb.NewImage = toLambdaItem(source.NewImage);
  if (source.OldImage !== undefined) dynamodb.OldImage = toLambdaItem(source.OldImage);
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType !== undefined) dynamodb.StreamViewType = source.StreamViewType;

  const result: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // Present only for changes DynamoDB made itself (TTL deletes).
  if (record.userIdentity !== undefined) {
    result.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  }
  return result;
}

function toLambdaItem(item: Record<string, StreamsAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toLambdaValue(value)]));
}

function toLambdaValue(value: StreamsAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaItem(value.M) };
  throw new Error(`unknown DynamoDB attribute value type: ${Object.keys(value).join(',')}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
