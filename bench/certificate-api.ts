// POST /v1/meshes/{mesh}/certificates through the app (no network): join-token redemption with its
// fsynced ledger writes (spent token + audit) and the embedded CA, sequentially; then renewals.
import { X509Certificate } from 'node:crypto';
import { makeCsr } from '../core/ca/testing/make-csr.ts';
import { createCsrPem, generateWorkloadKey } from '../core/ca/workload-key.ts';
import { signCertificateRequest } from '../core/identity/certificate-auth.ts';
import { apiHarness } from '../functions/testing/api-harness.ts';
import { ms, percentile } from './stats.ts';

const COUNT = Number(process.env.CERT_API_BENCH_COUNT ?? 300);
const h = await apiHarness();
try {
  await h.call('PUT', '/v1/meshes/bench', { body: {} });
  const prepared: { token: string; csr: string }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const token = ((await (await h.call('POST', '/v1/meshes/bench/join-tokens', { body: { namespace: 'bench', serviceAccount: `w${i % 50}` } })).json()) as { token: string }).token;
    prepared.push({ token, csr: (await makeCsr()).pem });
  }
  const first: number[] = [];
  const started = performance.now();
  for (const p of prepared) {
    const t0 = performance.now();
    const res = await h.call('POST', '/v1/meshes/bench/certificates', { key: null, headers: { authorization: `Bearer ${p.token}` }, body: { csr: p.csr } });
    first.push(performance.now() - t0);
    if (res.status !== 201) throw new Error(`status ${res.status}: ${await res.text()}`);
  }
  const elapsed = performance.now() - started;
  console.log(`join-token issuance via the API, ${COUNT} sequential: ${(COUNT / (elapsed / 1000)).toFixed(0)} certificates/s   p50 ${ms(percentile(first, 50))}   p99 ${ms(percentile(first, 99))}`);

  // Renewal latency: the TrellisCert check (chain to the bundle, signature over the body) on top of issuance.
  const renewals: number[] = [];
  for (let i = 0; i < Math.min(100, COUNT); i++) {
    const key = await generateWorkloadKey();
    const token = ((await (await h.call('POST', '/v1/meshes/bench/join-tokens', { body: { namespace: 'bench', serviceAccount: 'renew' } })).json()) as { token: string }).token;
    const chain = ((await (await h.call('POST', '/v1/meshes/bench/certificates', { key: null, headers: { authorization: `Bearer ${token}` }, body: { csr: await createCsrPem(key) } })).json()) as { certificateChain: string }).certificateChain;
    const body = JSON.stringify({ csr: (await makeCsr()).pem });
    const path = '/v1/meshes/bench/certificates';
    const authorization = signCertificateRequest({ method: 'POST', path, timestamp: Math.floor(Date.now() / 1000), body, chainDer: [new X509Certificate(chain).raw], privateKey: key.privateKey });
    const t0 = performance.now();
    const res = await h.app.request(path, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
    renewals.push(performance.now() - t0);
    if (res.status !== 201) throw new Error(`renewal ${res.status}: ${await res.text()}`);
  }
  console.log(`renewal with TrellisCert via the API, ${renewals.length} sequential: p50 ${ms(percentile(renewals, 50))}   p99 ${ms(percentile(renewals, 99))}`);
} finally {
  await h.close();
}
