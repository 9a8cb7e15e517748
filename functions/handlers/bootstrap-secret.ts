import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

let client: SecretsManagerClient | undefined;

/**
 * Reads a Secrets Manager secret's string with the function's own credentials. An SDK client
 * rather than the Parameters and Secrets extension layer: that layer is published in a fixed
 * list of regions, and its ARN lookup would make the stack undeployable everywhere else.
 */
export async function readSecret(secretId: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  client ??= new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId })).catch((error: unknown) => {
    throw new Error(`reading secret ${secretId} failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  });
  if (typeof out.SecretString !== 'string') throw new Error(`secret ${secretId} has no string value`);
  return out.SecretString;
}
