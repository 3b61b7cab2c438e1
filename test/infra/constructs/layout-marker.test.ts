import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LayoutMarker, type LayoutMarkerProps } from '../../../lib/constructs/layout-marker';
import { logicalIdOf } from '../synth';

/**
 * The construct alone in a bare stack with a minimal KMS-encrypted table to stamp. The stack has a
 * concrete region: stock TableV2 cannot render a customer-managed key without one.
 */
function synth(props: Partial<LayoutMarkerProps> = {}): Template {
  const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
  const table = new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'TableKey')),
  });
  new LayoutMarker(stack, 'Marker', { table, ...props });
  return Template.fromStack(stack);
}

describe('LayoutMarker', () => {
  let template: Template;
  beforeAll(() => {
    template = synth();
  });

  it('lets its custom resource put items in that table and decrypt with its key, nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'dynamodb:PutItem',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::DynamoDB::GlobalTable', 'Table'), 'Arn'] },
          },
          {
            Action: 'kms:Decrypt',
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'TableKey'), 'Arn'] },
          },
        ],
      },
    });
  });

  it('does not install the latest SDK at deploy time (no network dependency on npm)', () => {
    template.hasResourceProperties('Custom::AWS', { InstallLatestAwsSdk: false });
  });

  it('keeps its log group a year by default', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('follows logRetention', () => {
    synth({ logRetention: logs.RetentionDays.ONE_MONTH }).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: Match.exact(30),
    });
  });
});
