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
  // Strong references (the default, stated): the data stack cannot drop an export the service stack still uses.
  const app = new App({ ...props, context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong', ...props.context } });
  const config = readConfig(app);
  // Environment-agnostic: account and region are resolved by CloudFormation at deploy time, so
  // synthesis needs no credentials, makes no lookups and gives the same templates everywhere.
  const data = new DataStack(app, 'TrellisData');
  const service = new ServiceStack(app, 'TrellisService', { config, data });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, data, service };
}
