import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CapacityMeter } from './capacity';

/**
 * What every core function that reads or writes the table is given. One name for the client
 * everywhere (`dynamodb`, as the app deps and the local runtime name each client after its
 * service), so deps pass from handler to use case to core without renaming.
 */
export interface TableAccess {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Counts the units DynamoDB reports for this unit of work. @default not counted */
  readonly meter?: CapacityMeter;
}
