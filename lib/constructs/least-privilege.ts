import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConfigError } from '../../lambdas/core/errors';

/**
 * Grants narrower than CDK's grant*() helpers, which hand out whole action families (read-write
 * data, stream read, send messages) plus every KMS operation a caller could ever need. Each helper
 * here grants exactly the API actions named and, on the resource's customer-managed key, only the
 * KMS operations the service performs on the caller's behalf for those actions.
 */

/**
 * DynamoDB item actions a dumpflow function may be granted. There is no IAM action for
 * TransactWriteItems: IAM authorizes each element of a transaction by its own kind (Put ->
 * PutItem, Update -> UpdateItem, Delete -> DeleteItem, ConditionCheck -> ConditionCheckItem).
 * Scan and BatchWriteItem are deliberately absent: no function calls them.
 */
export const TABLE_ITEM_ACTIONS = [
  'GetItem',
  'Query',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
] as const;
export type TableItemAction = (typeof TABLE_ITEM_ACTIONS)[number];

/**
 * `actions` on the table itself (not its indexes: grantIndexQuery) and kms:Decrypt on its key. DynamoDB asks KMS
 * for one thing on the caller's behalf, reads and writes alike: Decrypt of the table key, which it
 * then caches for five minutes per connection (KMS developer guide, "How Amazon DynamoDB uses AWS
 * KMS"; a write without it fails with "KMS key access denied", aws/aws-cdk#10010). The table key
 * is generated once, by DynamoDB, when the table is created, so callers need neither Encrypt nor
 * GenerateDataKey; DescribeKey and CreateGrant are used only by whoever creates the table.
 */
export function grantTableItems(
  table: dynamodb.ITableV2,
  grantee: iam.IGrantable,
  actions: readonly TableItemAction[],
): iam.Grant {
  if (actions.length === 0) throw new ConfigError('grantTableItems needs at least one action');
  table.encryptionKey?.grant(grantee, 'kms:Decrypt');
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [...new Set(actions)].map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
  });
}

/**
 * dynamodb:Query on one of the table's indexes (an index is its own IAM resource,
 * `{tableArn}/index/{name}`), and kms:Decrypt on the table key, as for the table itself.
 */
export function grantIndexQuery(
  table: dynamodb.ITableV2,
  grantee: iam.IGrantable,
  indexName: string,
): iam.Grant {
  table.encryptionKey?.grant(grantee, 'kms:Decrypt');
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:Query'],
    resourceArns: [`${table.tableArn}/index/${indexName}`],
  });
}

/**
 * What a Lambda event source mapping needs to read the table's stream with the function's role:
 * DescribeStream, GetShardIterator and GetRecords on the stream, kms:Decrypt on the table key
 * (stream records are encrypted with it), and dynamodb:ListStreams, which has no resource-level
 * permissions and works only with resource "*" (CDK's grantStreamRead names the stream ARN
 * instead, which IAM never matches for ListStreams).
 */
export function grantStreamRead(table: dynamodb.ITableV2, grantee: iam.IGrantable): iam.Grant {
  const streamArn = table.tableStreamArn;
  if (streamArn === undefined) {
    throw new ConfigError(`table ${table.node.path} has no stream ARN; the KPI function reads its stream`);
  }
  table.encryptionKey?.grant(grantee, 'kms:Decrypt');
  iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:ListStreams'], resourceArns: ['*'] });
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'],
    resourceArns: [streamArn],
  });
}

/**
 * sqs:SendMessage (which also authorizes SendMessageBatch) on `queue`, and on its key what SQS
 * asks KMS for on a producer's behalf: GenerateDataKey for the message data key and Decrypt to
 * reuse a cached data key (SQS developer guide, "Key management": producers need both). Unlike
 * CDK's grantSendMessages: no GetQueueAttributes, GetQueueUrl, Encrypt or ReEncrypt*.
 */
export function grantSendMessages(queue: sqs.IQueue, grantee: iam.IGrantable): iam.Grant {
  queue.encryptionMasterKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  return iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
}

/**
 * An event source mapping's on-failure destination that grants only grantSendMessages(). CDK's
 * SqsDlq grants grantSendMessages() of aws-sqs instead (GetQueueAttributes, GetQueueUrl and four KMS
 * action groups besides SendMessage); Lambda only sends the failed batch's description.
 */
export class SendOnlySqsDestination implements lambda.IEventSourceDlq {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(_mapping: lambda.IEventSourceMapping, handler: lambda.IFunction): lambda.DlqDestinationConfig {
    grantSendMessages(this.queue, handler);
    return { destination: this.queue.queueArn };
  }
}
