/**
 * Reads a Secrets Manager secret through the AWS Parameters and Secrets Lambda extension (a layer
 * the CDK app attaches): a localhost call with the function's own session token, no SDK client.
 */
export async function readSecretFromExtension(secretId: string): Promise<string> {
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? '2773';
  const response = await fetch(`http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`, {
    headers: { 'X-Aws-Parameters-Secrets-Token': process.env.AWS_SESSION_TOKEN ?? '' },
  });
  if (!response.ok) throw new Error(`reading secret ${secretId} failed: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { SecretString?: unknown };
  if (typeof body.SecretString !== 'string') throw new Error(`secret ${secretId} has no string value`);
  return body.SecretString;
}
