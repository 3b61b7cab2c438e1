import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { config } from './config';

/**
 * One logger and one metrics publisher per execution environment. Log only opaque ids (dump id,
 * chunk id) and counts: never event values, patient or device ids, or object keys, which hold
 * device ids (docs/operations.md, "Identifiers outside the table").
 */
export const logger = new Logger({ serviceName: config.serviceName });
export const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
