// Lambda entry of the tenant API (bundled by the CDK app and scripts/bundle-lambdas.ts).
// Module load only defines things: clients, store and bus are made on the first invocation.
import { quietAwsSdkNodeVersionWarning } from '../../core/adapters/aws/sdk-node-warning.ts';
import { createLambdaHandler } from '../lambda.ts';
import { createApiParts } from './api-options.ts';

quietAwsSdkNodeVersionWarning();

export const handler = createLambdaHandler(async () => (await createApiParts()).options);
