import { Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { stampLayoutInput } from '../../lambdas/core/storage/layout';

export interface LayoutMarkerProps {
  /** The table just created. */
  readonly table: dynamodb.ITableV2;
  /**
   * Retention of the custom resource's own log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Writes the table's storage-layout marker (lambdas/core/storage/layout.ts) once, when the table
 * is created: the functions refuse a table without it, so a table restored from a backup of
 * another layout is never misread. The put is conditional (it never overwrites a marker) and runs
 * on creation only: an update or a deletion of the stack leaves the table's items alone.
 */
export class LayoutMarker extends Construct {
  public readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: LayoutMarkerProps) {
    super(scope, id);
    const { table } = props;
    this.resource = new cr.AwsCustomResource(this, 'Stamp', {
      onCreate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: stampLayoutInput(table.tableName),
        physicalResourceId: cr.PhysicalResourceId.of('dumpflow-layout-marker'),
        // A marker already there (this very stamp retried) is what we want.
        ignoreErrorCodesMatching: 'ConditionalCheckFailedException',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
        // DynamoDB decrypts the table key on the caller's behalf for any item write.
        ...(table.encryptionKey
          ? [new iam.PolicyStatement({ actions: ['kms:Decrypt'], resources: [table.encryptionKey.keyArn] })]
          : []),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      }),
    });
    Validations.of(this.resource).acknowledge({
      id: 'HIPAA.Security-IAMNoInlinePolicy',
      reason:
        "CDK's inline policy of the layout-marker custom resource: dynamodb:PutItem on this table and kms:Decrypt on its key.",
    });
    Validations.of(this.node.findChild('Logs')).acknowledge({
      id: 'HIPAA.Security-CloudWatchLogGroupEncrypted',
      reason:
        'The deploy-time provider logs the one PutItem it makes: the layout marker, which holds no patient data; ' +
        'the log group keeps it a year, encrypted at rest by CloudWatch Logs.',
    });
    this.acknowledgeProvider();
  }

  /** The provider is CDK's singleton Lambda: it runs once per deployment that creates the table. */
  private acknowledgeProvider(): void {
    const stack = Stack.of(this);
    const provider = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
    const reason =
      "CDK's singleton provider of the AwsCustomResource that writes the table's layout marker: it runs " +
      'only while a deployment creates the table, makes one PutItem, and holds no data.';
    if (provider !== undefined) {
      for (const id of [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-L1',
        'HIPAA.Security-LambdaConcurrency',
        'HIPAA.Security-LambdaDLQ',
        'HIPAA.Security-LambdaInsideVPC',
        'Serverless-LambdaTracing',
        'Serverless-LambdaDLQ',
        'Serverless-LambdaDefaultMemorySize',
        'Serverless-LambdaLatestVersion',
      ]) {
        Validations.of(provider).acknowledge({ id, reason });
      }
    }
  }
}
