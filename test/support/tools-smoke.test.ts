import { describe, expect, it } from 'vitest';
import { startEnvoy } from './envoy.ts';
import { startMoto } from './moto.ts';
import { freePort } from './ports.ts';

describe('test tools', () => {
  it('starts a real Envoy whose admin interface reports its version', async () => {
    const adminPort = await freePort();
    const envoy = await startEnvoy(`admin:\n  address:\n    socket_address: { address: 127.0.0.1, port_value: ${adminPort} }\n`, adminPort);
    try {
      expect(await envoy.admin('/server_info')).toMatch(/"version":\s*"[0-9a-f]+\/1\.40\./);
    } finally {
      await envoy.stop();
    }
  });

  it('starts moto and answers a DynamoDB call', async () => {
    const moto = await startMoto();
    try {
      const res = await fetch(moto.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x',
        },
        body: '{}',
      });
      expect(await res.json()).toEqual({ TableNames: [] });
    } finally {
      await moto.stop();
    }
  });
});
