import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig, type TrellisConfig } from './config.ts';
import { DataStack } from './stacks/data-stack.ts';
import { ServiceStack } from './stacks/service-stack.ts';

export interface TrellisDeployment {
  data: DataStack;
  service: ServiceStack;
}

export interface TrellisApp extends TrellisDeployment {
  app: App;
}

/**
 * One deployment: `<deploymentName>Data` and `<deploymentName>Service`. No resource has a fixed
 * physical name (CloudFormation generates them from the stack), so several deployments can share
 * an account and region.
 */
export function addTrellisDeployment(app: App, config: TrellisConfig): TrellisDeployment {
  // Environment-agnostic: account and region are resolved by CloudFormation at deploy time, so
  // synthesis needs no credentials, makes no lookups and gives the same templates in every region.
  const data = new DataStack(app, `${config.deploymentName}Data`);
  const service = new ServiceStack(app, `${config.deploymentName}Service`, { config, data });
  return { data, service };
}

/** The whole deployment, checked by cdk-nag's AWS Solutions pack on every synth (tests and `cdk synth` alike). */
export function createTrellisApp(props: AppProps = {}): TrellisApp {
  // Strong references (the default, stated): the data stack cannot drop an export the service stack still uses.
  const app = new App({ ...props, context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...props.context } });
  const deployment = addTrellisDeployment(app, readConfig(app));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, ...deployment };
}
