import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './config.ts';
import { DataStack } from './stacks/data-stack.ts';
import { ServiceStack } from './stacks/service-stack.ts';

export interface TrellisApp {
  app: App;
  data: DataStack;
  service: ServiceStack;
}

/** The whole deployment, checked by cdk-nag's AWS Solutions pack on every synth (tests and `cdk synth` alike). */
export function createTrellisApp(props: AppProps = {}): TrellisApp {
  const app = new App(props);
  const config = readConfig(app);
  // Account and region come from the deploying credentials; nothing here needs a lookup.
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const data = new DataStack(app, 'TrellisData', { env });
  const service = new ServiceStack(app, 'TrellisService', { env, config, data });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, data, service };
}
