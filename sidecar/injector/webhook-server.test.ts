import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookCertificate } from '../../cli/kubernetes/webhook-certificate.ts';
import { DEFAULT_INJECTION_CONFIG, type InjectionConfig } from './injection-config.ts';
import type { AdmissionReview } from './k8s-types.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

const CONFIG: InjectionConfig = { ...DEFAULT_INJECTION_CONFIG, tenant: 'default', mesh: 'demo', apiUrl: 'https://trellis.example.com', xdsAddress: 'xds.example.com:18000', image: 'trellis:test' };
const MAX_BODY = 256 * 1024;

let ca: string;
let closed: WebhookServer;
let open: WebhookServer;
const namespaces: Record<string, Record<string, string>> = { shop: { 'trellis.dev/injection': 'enabled' }, tools: {} };

interface Reply {
  status: number;
  review: AdmissionReview | undefined;
  raw: string;
}

/** A request over real TLS, checked against the webhook's CA as the API server checks it. */
function post(server: WebhookServer, body: string | Buffer, o: { path?: string; method?: string; contentType?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.port, servername: 'trellis-injector.trellis-system.svc', path: o.path ?? '/inject', method: o.method ?? 'POST', ca, headers: { 'content-type': o.contentType ?? 'application/json' } },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (raw += c));
        res.on('end', () => {
          let review: AdmissionReview | undefined;
          try {
            review = JSON.parse(raw) as AdmissionReview;
          } catch {
            review = undefined;
          }
          resolve({ status: res.statusCode ?? 0, review, raw });
        });
      },
    );
    req.on('error', reject);
    req.end(o.method === 'GET' ? undefined : body);
  });
}

const podReview = (pod: unknown, request: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'e911857d-c318-11e8-bbad-025000000001', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'shop', operation: 'CREATE', object: pod, ...request },
  });

const pod = (annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'reviews-', labels: { app: 'reviews' }, annotations },
  spec: { containers: [{ name: 'reviews', image: 'reviews:1', ports: [{ containerPort: 9080 }] }] },
});

beforeAll(async () => {
  const cert = await createWebhookCertificate({ service: 'trellis-injector', namespace: 'trellis-system', validityDays: 1 });
  ca = cert.caPem;
  const common = { tls: { cert: cert.certPem, key: cert.keyPem }, host: '127.0.0.1', port: 0, maxBodyBytes: MAX_BODY, namespaceLabels: async (ns: string) => namespaces[ns] };
  closed = await startWebhookServer({ ...common, config: CONFIG });
  open = await startWebhookServer({ ...common, config: { ...CONFIG, failOpen: true } });
});

afterAll(async () => {
  await closed?.close();
  await open?.close();
});

describe('webhook server: admission reviews over HTTPS', () => {
  it('answers a pod creation with a base64 JSON patch for the same uid', async () => {
    const r = await post(closed, podReview(pod()));
    expect(r.status).toBe(200);
    expect(r.review).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'e911857d-c318-11e8-bbad-025000000001', allowed: true, patchType: 'JSONPatch' } });
    const patch = JSON.parse(Buffer.from(r.review!.response!.patch!, 'base64').toString()) as { path: string }[];
    expect(patch.map((p) => p.path)).toEqual(['/spec/initContainers', '/spec/volumes', '/metadata/annotations/sidecar.trellis.dev~1status', '/metadata/annotations/prometheus.io~1scrape', '/metadata/annotations/prometheus.io~1port', '/metadata/annotations/prometheus.io~1path']);
  });

  it('admits without a patch: opt-out, an unlabelled namespace, an update, another kind', async () => {
    const cases = [
      podReview(pod({ 'sidecar.trellis.dev/inject': 'false' })),
      podReview(pod(), { namespace: 'tools' }),
      podReview(pod(), { operation: 'UPDATE' }),
      podReview({ metadata: {} }, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }),
    ];
    for (const body of cases) {
      const r = await post(closed, body);
      expect(r.review?.response).toEqual({ uid: 'e911857d-c318-11e8-bbad-025000000001', allowed: true });
    }
  });

  it('refuses invalid proxy annotations when failing closed, and admits them uninjected with a warning when failing open', async () => {
    const body = podReview(pod({ 'sidecar.trellis.dev/proxyMemory': 'a lot' }));
    const refused = await post(closed, body);
    expect(refused.review?.response).toMatchObject({ allowed: false, status: { code: 422, message: expect.stringContaining("sidecar.trellis.dev/proxyMemory") } });
    const admitted = await post(open, body);
    expect(admitted.review?.response).toMatchObject({ allowed: true, warnings: [expect.stringContaining('without a sidecar')] });
    expect(admitted.review?.response?.patch).toBeUndefined();
  });

  it('serves /healthz', async () => {
    expect((await post(closed, '', { path: '/healthz', method: 'GET' })).status).toBe(200);
  });
});

describe('webhook server: hostile and malformed input', () => {
  const huge = 'x'.repeat(MAX_BODY + 1);
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  const cases: { name: string; body: string | Buffer; opts?: { path?: string; method?: string; contentType?: string }; status: number; message: RegExp }[] = [
    { name: 'an oversized body', body: JSON.stringify({ pad: huge }), status: 413, message: /larger than/ },
    { name: 'not JSON', body: 'apiVersion: admission.k8s.io/v1', status: 400, message: /not JSON/ },
    { name: 'invalid UTF-8 bytes', body: Buffer.from([0xff, 0xfe, 0x7b, 0x00]), status: 400, message: /not JSON/ },
    { name: 'deeply nested JSON', body: deep.slice(0, MAX_BODY - 10), status: 400, message: /not JSON|must be a JSON object/ },
    { name: 'a JSON array', body: '[]', status: 400, message: /JSON object/ },
    { name: 'JSON null', body: 'null', status: 400, message: /JSON object/ },
    { name: 'the v1beta1 API', body: podReview(pod()).replace('admission.k8s.io/v1', 'admission.k8s.io/v1beta1'), status: 400, message: /admissionReviewVersions: \[v1\]/ },
    { name: 'another kind', body: podReview(pod()).replace('"AdmissionReview"', '"Pod"'), status: 400, message: /kind must be AdmissionReview/ },
    { name: 'no request', body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), status: 400, message: /request is missing/ },
    { name: 'no request.uid', body: podReview(pod(), { uid: undefined }), status: 400, message: /request.uid/ },
    { name: 'a 10 kB uid', body: podReview(pod(), { uid: 'u'.repeat(10_000) }), status: 400, message: /request.uid/ },
    { name: 'no request.kind', body: podReview(pod(), { kind: 'Pod' }), status: 400, message: /request.kind/ },
    { name: 'a wrong content type', body: podReview(pod()), opts: { contentType: 'text/plain' }, status: 415, message: /application\/json/ },
    { name: 'a GET', body: '', opts: { method: 'GET' }, status: 405, message: /POST/ },
    { name: 'another path', body: podReview(pod()), opts: { path: '/mutate' }, status: 404, message: /POST \/inject/ },
  ];
  for (const c of cases) {
    it(`answers ${c.name} with a clear refusal`, async () => {
      const r = await post(closed, c.body, c.opts);
      expect(r.status).toBe(c.status);
      expect(r.review?.response?.allowed).toBe(false);
      expect(r.review?.response?.status?.message).toMatch(c.message);
    });
  }

  it('refuses pods whose fields have the wrong shapes, for their uid', async () => {
    const shapes = [
      { metadata: { annotations: { a: 1 } }, spec: { containers: [{ name: 'a' }] } },
      { metadata: { labels: 'app=x' }, spec: { containers: [{ name: 'a' }] } },
      { spec: { containers: 'all of them' } },
      { spec: { containers: [{ image: 'nameless' }] } },
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] } },
      { metadata: {} },
      'a pod',
    ];
    for (const object of shapes) {
      const r = await post(closed, podReview(object));
      expect(r.status).toBe(200);
      expect(r.review?.response).toMatchObject({ uid: 'e911857d-c318-11e8-bbad-025000000001', allowed: false, status: { code: 400, message: expect.stringMatching(/^malformed Pod/) } });
    }
  });

  it('refuses a pod of absurd size for its uid, and keeps serving', async () => {
    const big = pod();
    big.spec.containers = Array.from({ length: 2000 }, (_, i) => ({ name: `c${i}`, image: 'x', ports: [] }));
    const r = await post(closed, podReview(big));
    expect(r.review?.response).toMatchObject({ allowed: false, status: { code: 422, message: expect.stringContaining('more than 100 containers') } });
    const manyAnnotations = pod(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`example.com/a${i}`, 'v'.repeat(20)])));
    expect((await post(closed, podReview(manyAnnotations))).review?.response?.allowed).toBe(true);
    expect((await post(closed, podReview(pod()))).review?.response?.patch).toBeDefined();
  });
});
