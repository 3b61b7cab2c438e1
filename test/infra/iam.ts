import type { Template } from 'aws-cdk-lib/assertions';

/**
 * What an IAM role may do, read from a synthesized template: every statement of every inline and
 * managed policy attached to the role, grouped by resource. Resources are shown by the logical id
 * they point at without CDK's hash (`DumpTable.Arn`, `DumpBucket.Arn/incoming/*`, `*`), so a test
 * can state a role's whole permission set as one literal and any extra grant fails it.
 */

type Json = Record<string, unknown>;
interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}
interface PolicyResource {
  Type: string;
  Properties?: { Roles?: unknown[]; PolicyDocument?: { Statement: Statement[] } };
}

const HASH = /[0-9A-F]{8}$/;

/** A CloudFormation value naming a resource, rendered readably (see the module comment). */
export function describeResource(value: unknown): string {
  if (typeof value === 'string') return value;
  const json = value as Json;
  if ('Ref' in json) {
    const ref = String(json['Ref']);
    return ref.startsWith('AWS::') ? `\${${ref}}` : ref.replace(HASH, '');
  }
  if ('Fn::GetAtt' in json) {
    const [id, attribute] = json['Fn::GetAtt'] as [string, string];
    return `${id.replace(HASH, '')}.${attribute}`;
  }
  if ('Fn::Join' in json) {
    const [separator, parts] = json['Fn::Join'] as [string, unknown[]];
    return parts.map(describeResource).join(separator);
  }
  if ('Fn::ImportValue' in json) {
    // CDK's export names: <stack>:ExportsOutputFnGetAtt<logical id><attribute><hash>
    const name = String(json['Fn::ImportValue']);
    const match = /ExportsOutputFnGetAtt(\w+?[0-9A-F]{8})(\w+?)[0-9A-F]{8}$/.exec(name);
    return match ? `${(match[1] as string).replace(HASH, '')}.${match[2] as string}` : `import:${name}`;
  }
  return JSON.stringify(value);
}

function roleLogicalId(template: Template, roleName: string): string {
  const pattern = new RegExp(`^${roleName}[0-9A-F]{8}$`);
  const ids = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => pattern.test(id));
  if (ids.length !== 1) throw new Error(`expected one role ${roleName}<hash>, found ${ids.length}`);
  return ids[0] as string;
}

/** The statements of every AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to the role. */
export function roleStatements(template: Template, roleName: string): Statement[] {
  const roleRef = JSON.stringify({ Ref: roleLogicalId(template, roleName) });
  const resources = template.toJSON()['Resources'] as Record<string, PolicyResource>;
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy')
    .filter((resource) => (resource.Properties?.Roles ?? []).some((role) => JSON.stringify(role) === roleRef))
    .flatMap((resource) => resource.Properties?.PolicyDocument?.Statement ?? []);
}

/**
 * Resource -> sorted actions the role is allowed there. Throws on Deny, NotAction or NotResource:
 * none is used here, and an allow-list helper cannot reason about them.
 */
export function grantsOf(template: Template, roleName: string): Record<string, string[]> {
  const grants: Record<string, Set<string>> = {};
  for (const statement of roleStatements(template, roleName)) {
    if (
      statement.Effect !== 'Allow' ||
      statement.NotAction !== undefined ||
      statement.NotResource !== undefined
    ) {
      throw new Error(`${roleName} has a statement this helper does not model: ${JSON.stringify(statement)}`);
    }
    const actions = Array.isArray(statement.Action) ? statement.Action : [statement.Action ?? ''];
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const label = describeResource(resource);
      grants[label] ??= new Set();
      for (const action of actions) grants[label].add(action);
    }
  }
  return Object.fromEntries(
    Object.entries(grants)
      .map(([resource, actions]) => [resource, [...actions].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Every action the role is allowed anywhere, sorted and without repeats. */
export function allowedActions(template: Template, roleName: string): string[] {
  return [...new Set(Object.values(grantsOf(template, roleName)).flat())].sort();
}
