import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { config } from './config';

/**
 * SDK clients are built once per execution environment and reused across invocations (connection
 * reuse matters at 140 dumps a minute). Endpoints come from the SDK's standard variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_S3), which is how the local
 * runtime points the very same handlers at DynamoDB Local and the S3/SQS emulator.
 */
export const dynamodb = new DynamoDBClient({ maxAttempts: 6 });
// Send to the configured endpoint, not to the host in the queue URL: emulators hand out URLs whose
// hosts do not resolve, and on AWS both are the same.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
export const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
