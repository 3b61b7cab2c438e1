import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { config } from './config';

/**
 * One logger and one metrics publisher per execution environment. Log only ids (dump id, chunk id):
 * never event values, and patient ids only as the structured key the logger carries deliberately.
 */
export const logger = new Logger({ serviceName: config.serviceName });
export const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
