import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { NoSuchBucket, S3ServiceException } from '@aws-sdk/client-s3';
import { explainAwsError } from '../../../cli/aws-errors';

const named = (name: string, message = name, status?: number) =>
  Object.assign(new Error(message), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
  });

const serviceError = (name: string, message: string, status: number) =>
  new S3ServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('explainAwsError', () => {
  const context = {
    bucket: 'dumps',
    tableName: 'dumpflow',
    actions: ['s3:ListBucket', 'dynamodb:Query'],
  };

  it.each([
    [
      named('CredentialsProviderError', 'Could not load credentials from any providers'),
      'E_AWS_CREDENTIALS',
      /^no AWS credentials found: set AWS_PROFILE/,
    ],
    [named('ExpiredToken', 'The provided token has expired.', 400), 'E_AWS_CREDENTIALS', /have expired/],
    [
      named('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist', 403),
      'E_AWS_CREDENTIALS',
      /do(es)? not accept these credentials/,
    ],
    [named('Error', 'Region is missing'), 'E_AWS_REGION', /set AWS_REGION/],
    [
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: {} }),
      'E_NO_BUCKET',
      /no bucket dumps/,
    ],
    [
      new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }),
      'E_NO_TABLE',
      /no table dumpflow/,
    ],
    [
      serviceError(
        'AccessDenied',
        'User: arn:aws:iam::1:user/x is not authorized to perform: kms:Decrypt',
        403,
      ),
      'E_AWS_KMS',
      /kms:Decrypt/,
    ],
    [
      serviceError('AccessDenied', 'Access Denied', 403),
      'E_AWS_ACCESS',
      /access denied: .* it needs s3:ListBucket, dynamodb:Query$/,
    ],
    [
      named('AccessDeniedException', 'not authorized to perform dynamodb:Query', 400),
      'E_AWS_ACCESS',
      /access denied/,
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }),
      'E_AWS_ENDPOINT',
      /AWS_ENDPOINT_URL_/,
    ],
  ])('explains %p as %s in plain words', (error, code, message) => {
    const explained = explainAwsError(error, context);
    expect(explained?.code).toBe(code);
    expect(explained?.message).toMatch(message);
    expect(explained?.message).not.toMatch(/\n/);
  });

  it('leaves other failures alone (they are reported as E_UNEXPECTED)', () => {
    expect(explainAwsError(new TypeError('x is undefined'), context)).toBeUndefined();
    expect(
      explainAwsError(serviceError('InternalError', 'We encountered an internal error', 500), context),
    ).toBeUndefined();
    expect(explainAwsError('text')).toBeUndefined();
  });
});
