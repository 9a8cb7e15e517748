import path from 'node:path';
import type { ParameterValue } from './parameters.ts';

export const PSEUDO_PARAMETERS = ['AWS::Region', 'AWS::AccountId', 'AWS::StackName', 'AWS::StackId', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::NotificationARNs'] as const;
type Pseudo = (typeof PSEUDO_PARAMETERS)[number];

export const isPseudoParameter = (name: string): name is Pseudo => (PSEUDO_PARAMETERS as readonly string[]).includes(name);

/** The stack name a template file stands for when none is given: its name up to the first dot (`network.cfn.yaml` → `network`). */
export const stackNameOf = (file: string) => path.basename(file).split('.')[0] || 'stack';

const FLAG_VALUE: Record<Pseudo, string> = {
  'AWS::Region': '<region>',
  'AWS::AccountId': '<account id>',
  'AWS::StackName': '<stack name>',
  'AWS::StackId': '<stack ARN>',
  'AWS::Partition': '<partition>',
  'AWS::URLSuffix': '<domain>',
  'AWS::NotificationARNs': '<ARNs>',
};

/**
 * A pseudo parameter's value: the caller's (`--parameter AWS::Region=...`), else a stated default: region
 * us-east-1, account 123456789012, stack name from the file name; partition and URL suffix follow the region.
 */
export function pseudoParameter(name: Pseudo, file: string, given: Readonly<Record<string, string>>): { value: ParameterValue; assumed?: string } {
  const region = given['AWS::Region'] ?? 'us-east-1';
  const account = given['AWS::AccountId'] ?? '123456789012';
  const stack = given['AWS::StackName'] ?? stackNameOf(file);
  const partition = given['AWS::Partition'] ?? (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');
  const defaults: Record<Pseudo, ParameterValue> = {
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::StackName': stack,
    'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/${stack}/00000000-0000-0000-0000-000000000000`,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::NotificationARNs': [],
  };
  const value = given[name] !== undefined ? (name === 'AWS::NotificationARNs' ? given[name].split(',') : given[name]) : defaults[name];
  if (given[name] !== undefined) return { value };
  const shown = Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  return { value, assumed: `${name} was not given: ${shown} is assumed (--parameter ${name}=${FLAG_VALUE[name]} sets it)` };
}
