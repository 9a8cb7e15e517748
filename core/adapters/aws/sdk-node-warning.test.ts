import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Constructs SDK clients in a fresh Node (the warning is emitted once per process) and returns its stderr. */
function constructClients(quiet: boolean): Promise<string> {
  const script = `
    ${quiet ? "const { quietAwsSdkNodeVersionWarning } = await import('./core/adapters/aws/sdk-node-warning.ts'); quietAwsSdkNodeVersionWarning();" : ''}
    const { STSClient } = await import('@aws-sdk/client-sts');
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    new STSClient({ region: 'us-east-1' });
    new DynamoDBClient({ region: 'us-east-1' });
    await new Promise((r) => setTimeout(r, 50));`;
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env, timeout: 20_000 }, (err, _stdout, stderr) => (err ? reject(err) : resolve(stderr))),
  );
}

describe('quietAwsSdkNodeVersionWarning', () => {
  it('keeps the SDK from printing NodeVersionSupportWarning', async () => {
    const major = Number(process.versions.node.split('.')[0]);
    // The SDK warns only below Node 22: there the unquieted run shows what the switch removes.
    if (major < 22) expect(await constructClients(false)).toContain('NodeVersionSupportWarning');
    expect(await constructClients(true)).not.toContain('NodeVersionSupportWarning');
  });

  it('leaves a choice already made in the environment alone', async () => {
    const { quietAwsSdkNodeVersionWarning } = await import('./sdk-node-warning.ts');
    const env: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' };
    quietAwsSdkNodeVersionWarning(env);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('false');
    const unset: NodeJS.ProcessEnv = {};
    quietAwsSdkNodeVersionWarning(unset);
    expect(unset.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });
});
