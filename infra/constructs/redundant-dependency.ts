import { CfnResource, Lazy, Stack } from 'aws-cdk-lib';

/**
 * Drops `referenced` from `resource`'s DependsOn and keeps every other dependency. CDK adds a
 * DependsOn beside a Ref or GetAtt that already orders the two (a function on its role, a service
 * on its target group), which cfn-lint reports as W3005; the template means the same without it.
 */
export function dropRedundantDependency(resource: CfnResource, referenced: CfnResource): void {
  resource.addOverride(
    'DependsOn',
    Lazy.list({
      produce: () =>
        resource
          .obtainDependencies()
          .filter((d): d is CfnResource => d instanceof CfnResource && d !== referenced)
          .map((d) => Stack.of(d).resolve(d.logicalId) as string)
          .sort(),
    }),
  );
}
