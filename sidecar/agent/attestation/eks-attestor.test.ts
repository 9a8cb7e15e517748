import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtIssuer } from '../../../test/support/jwt.ts';
import { startTestTrellis, type TestTrellis } from '../../../test/support/local-trellis.ts';
import { Agent } from '../agent.ts';
import { eksAttestor } from './eks-attestor.ts';

const logger = pino({ level: process.env.TRELLIS_TEST_LOG ?? 'silent' });
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/AGENT';
const podToken = (issuer: ReturnType<typeof createJwtIssuer>, ns: string, sa: string) => issuer.token({ sub: `system:serviceaccount:${ns}:${sa}`, aud: 'trellis' });

describe('trellis-agent --attest eks against a local Trellis', () => {
  let trellis: TestTrellis;
  let dir: string;
  const cluster = createJwtIssuer(ISSUER, 'k1');
  const agents: Agent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-attest-'));
    trellis = await startTestTrellis();
    expect((await trellis.api('PUT', '/v1/meshes/demo', {})).status).toBe(201);
    expect((await trellis.api('PUT', '/v1/meshes/demo/attestation/eks-clusters/eu-1', { issuer: ISSUER, jwks: JSON.parse(cluster.jwks), namespaces: ['shop'] })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    for (const a of agents) await a.stop();
    await trellis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function agentWith(name: string, token: string): Agent {
    const tokenPath = path.join(dir, `${name}.token`);
    writeFileSync(tokenPath, token);
    const agent = new Agent({ apiUrl: trellis.apiUrl, mesh: 'demo', attestor: eksAttestor({ tenantId: 'default', tokenPath }), sdsSocketPath: path.join(dir, `${name}.sock`), readyPort: 0, backoff: { baseMs: 50, maxMs: 200 }, logger });
    agents.push(agent);
    return agent;
  }

  it('gets the identity of its service account from the projected token, then renews with the certificate', async () => {
    // Prepare
    const agent = agentWith('cart', podToken(cluster, 'shop', 'cart'));
    // Act
    await agent.start();
    await agent.whenCertified();
    const first = (await agent.status()).certificate!;
    await agent.renewNow();
    // Assess
    expect(first.spiffeId).toBe('spiffe://demo.default.trellis.local/ns/shop/sa/cart');
    const renewed = (await agent.status()).certificate!;
    expect(renewed.serialNumber).not.toBe(first.serialNumber);
    expect(renewed.spiffeId).toBe(first.spiffeId);
  });

  it('stops with the reason when the cluster refuses its namespace', async () => {
    const agent = agentWith('intruder', podToken(cluster, 'kube-system', 'admin'));
    await agent.start();
    await expect(agent.whenCertified()).rejects.toThrow(/403.*Namespace "kube-system"/);
  });
});
