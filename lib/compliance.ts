import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, ServerlessChecks } from 'cdk-nag';

/**
 * cdk-nag 3 rule packs, run by CDK's policy validation after every synthesis: a finding that is
 * not acknowledged (Validations.of(resource).acknowledge) stops synthesis and is listed in
 * cdk.out/validation-report.json.
 */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new HIPAASecurityChecks(app),
    new ServerlessChecks(app),
  );
}
