import { DumpflowError } from '../lambdas/core/errors';

/** An AWS call failed for a reason a person can fix (credentials, permissions, names, region). */
export class AwsAccessError extends DumpflowError {}

export interface AwsErrorContext {
  readonly bucket?: string;
  readonly tableName?: string;
  /** The IAM actions the command needs, named in the "access denied" message. */
  readonly actions?: readonly string[];
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const CREDENTIAL_HELP =
  'set AWS_PROFILE (and run `aws sso login` for an SSO profile) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/**
 * Turns an AWS SDK failure into one plain sentence with a stable code, or undefined when it is not
 * one of the failures a person can fix from the message (those stay E_UNEXPECTED).
 */
export function explainAwsError(error: unknown, context: AwsErrorContext = {}): AwsAccessError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkError;
  const name = e.name ?? '';
  const message = e.message ?? '';
  const status = e.$metadata?.httpStatusCode;
  const wrap = (code: string, text: string) => new AwsAccessError(code, text, { cause: error });

  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return wrap('E_AWS_CREDENTIALS', `no AWS credentials found: ${CREDENTIAL_HELP}`);
  }
  if (/^(ExpiredToken|ExpiredTokenException|TokenRefreshRequired|RequestExpired)$/.test(name)) {
    return wrap(
      'E_AWS_CREDENTIALS',
      `the AWS credentials have expired: refresh them (\`aws sso login\`) or ${CREDENTIAL_HELP}`,
    );
  }
  if (
    /^(InvalidAccessKeyId|SignatureDoesNotMatch|UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException)$/.test(
      name,
    )
  ) {
    return wrap(
      'E_AWS_CREDENTIALS',
      `AWS does not accept these credentials (${name}): check the key pair or profile; ${CREDENTIAL_HELP}`,
    );
  }
  if (name === 'Region is missing' || /region is missing/i.test(message)) {
    return wrap('E_AWS_REGION', 'no AWS region: set AWS_REGION, or a region in the AWS_PROFILE');
  }
  if (name.startsWith('KMS') || /kms:/i.test(message)) {
    return wrap(
      'E_AWS_KMS',
      "the data is encrypted with a KMS key this identity may not use: grant kms:Decrypt on the stack's keys",
    );
  }
  if (name === 'NoSuchBucket') {
    return wrap(
      'E_NO_BUCKET',
      `there is no bucket ${context.bucket ?? ''} in this account and region: check --bucket and AWS_REGION`,
    );
  }
  if (name === 'ResourceNotFoundException') {
    return wrap(
      'E_NO_TABLE',
      `there is no table ${context.tableName ?? ''} in this account and region: check --table and AWS_REGION`,
    );
  }
  if (/^(AccessDenied|AccessDeniedException|Forbidden|AllAccessDisabled)$/.test(name) || status === 403) {
    const actions = context.actions?.length ? `; it needs ${context.actions.join(', ')}` : '';
    return wrap('E_AWS_ACCESS', `access denied: the AWS identity in use may not read this data${actions}`);
  }
  const errno = (error as { code?: string }).code ?? '';
  if (
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT)$/.test(errno) ||
    /^(ECONNREFUSED|ENOTFOUND)$/.test(name)
  ) {
    return wrap(
      'E_AWS_ENDPOINT',
      `cannot reach the AWS endpoint (${errno || name}): check the network, AWS_REGION and any AWS_ENDPOINT_URL_* variable`,
    );
  }
  return undefined;
}
