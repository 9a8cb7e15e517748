import http from 'node:http';
import path from 'node:path';
import { startAgentProcess, type AgentProcess } from './agent-process.ts';
import { startTestTrellis, type TestTrellis } from './local-trellis.ts';
import { waitFor } from './ports.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus.ts';
import { ROOT } from './tools.ts';
import { apply, localService } from './traffic.ts';
import { get, startUpstream, type Upstream } from './upstream.ts';

export const OBSERVABILITY_MESH = 'obs';
export const FRONTEND = 'frontend.shop.svc.cluster.local';
export const REVIEWS = 'reviews.shop.svc.cluster.local';
export const ALERT_RULES = path.join(ROOT, 'docs/prometheus/trellis-alerts.yaml');
/** The dashboards' variables, set to what this mesh has; `__rate_interval` as Grafana would pick it for a 15 s scrape interval. */
export const DASHBOARD_VARIABLES: Readonly<Record<string, string>> = { __rate_interval: '1m', namespace: 'shop', service: REVIEWS, workload: 'frontend', datasource: 'prometheus' };

const MANIFESTS = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: frontend, namespace: shop }
spec:
  hosts: [${FRONTEND}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 8080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: frontend } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: ${REVIEWS}
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;

/** reviews split 50/50 between v1 and v2, without retries (so v2's failures reach the client); `extra` goes before that route. */
export const reviewsRoute = (extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${REVIEWS}]
  http:${extra}
    - route: [{ destination: { host: ${REVIEWS}, subset: v1 }, weight: 50 }, { destination: { host: ${REVIEWS}, subset: v2 }, weight: 50 }]
      retries: { attempts: 0 }
`;

export interface ObservabilityMesh {
  trellis: TestTrellis;
  /** The frontend's sidecar: it calls reviews for its app; its certificate lives 15 minutes. */
  frontend: AgentProcess;
  /** The client's sidecar: the traffic loop calls the frontend through it. */
  client: AgentProcess;
  prometheus: RunningPrometheus;
  /** When Prometheus started scraping (epoch ms). */
  scrapingSince: number;
  /** One request client → frontend → reviews; its status, 0 when it did not complete. */
  call(): Promise<number>;
  /** Requests the traffic loop has sent. */
  sent(): number;
  /** Stops the traffic loop, then everything else; throws what the sidecars' Envoy counters showed. */
  stop(): Promise<void>;
}

/**
 * Client → frontend → reviews (v1, and v2 failing one request in four) through two real
 * `trellis-agent run` sidecars with Envoy, a local Trellis with mTLS xDS, and Debian's Prometheus
 * scraping both sidecars and the control plane every second with `ruleFiles` loaded; after three
 * scrapes of every target a loop sends about 50 requests/s until `stop()`.
 */
export async function startObservabilityMesh(o: { ruleFiles: string[] }): Promise<ObservabilityMesh> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => errors.push(err));
    cleanups.length = 0;
    if (errors.length) throw errors[0];
  };
  try {
    const trellis = await startTestTrellis({ xdsMtls: true });
    cleanups.push(() => trellis.close());
    const created = await trellis.api('PUT', `/v1/meshes/${OBSERVABILITY_MESH}`, {});
    if (created.status !== 201) throw new Error(`creating mesh ${OBSERVABILITY_MESH}: ${created.status} ${JSON.stringify(created.json)}`);
    const reviews: Upstream[] = await Promise.all([startUpstream('reviews-v1'), startUpstream('reviews-v2')]);
    cleanups.push(() => Promise.all(reviews.map((u) => u.close())));
    const [reviewsV1, reviewsV2] = reviews as [Upstream, Upstream];
    // One request in four to v2 fails: 12.5% of reviews' requests, far above a 99.9% SLO's burn thresholds.
    reviewsV2.behave({ failEvery: 4 });
    await apply(trellis, OBSERVABILITY_MESH, `${MANIFESTS}---\n${localService('shop', 'reviews', { v1: reviewsV1, v2: reviewsV2 })}---\n${reviewsRoute()}`);

    // The frontend app calls reviews through its own sidecar (known once it started) and answers with reviews' status.
    let frontendOutbound = '';
    const frontendApp = http.createServer((_req, res) => {
      get(`${frontendOutbound}/`, { host: REVIEWS }).then(
        (r) => res.writeHead(r.status).end(r.body),
        () => res.writeHead(502).end(),
      );
    });
    // Its sidecar keeps idle connections to it: one closed while idle races the sidecar reusing it.
    frontendApp.keepAliveTimeout = 600_000;
    await new Promise<void>((resolve) => frontendApp.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          frontendApp.closeAllConnections();
          frontendApp.close(resolve);
        }),
    );
    const token = async (sa: string) => ((await trellis.api('POST', `/v1/meshes/${OBSERVABILITY_MESH}/join-tokens`, { namespace: 'shop', serviceAccount: sa, ttlSeconds: 600 })).json as { token: string }).token;
    const common = { apiUrl: trellis.apiUrl, xdsAddress: trellis.xdsAddress };
    const appPort = (frontendApp.address() as { port: number }).port;
    const agents = await Promise.allSettled([
      // A 15-minute certificate: under the workload-certificate alert's hour from the start.
      startAgentProcess({ ...common, joinToken: await token('frontend'), workload: 'frontend', labels: { app: 'frontend', version: 'v1' }, appPort, args: ['--ttl', '900', '--signals-interval', '1'] }),
      startAgentProcess({ ...common, joinToken: await token('client'), workload: 'client', labels: { app: 'client', version: 'v1' }, args: ['--signals-interval', '1'] }),
    ]);
    for (const a of agents) if (a.status === 'fulfilled') cleanups.push(() => a.value.stop());
    for (const a of agents) if (a.status === 'rejected') throw a.reason;
    const [frontend, client] = agents.map((a) => (a as PromiseFulfilledResult<AgentProcess>).value) as [AgentProcess, AgentProcess];
    frontendOutbound = frontend.outbound;
    const call = () => get(`${client.outbound}/`, { host: FRONTEND }).then((r) => r.status, () => 0);
    await waitFor(async () => [200, 503].includes(await call()), 'a request from client through frontend to reviews', 60_000, 50);

    const scrapingSince = Date.now();
    const prometheus = await startPrometheus({
      ruleFiles: o.ruleFiles,
      jobs: [
        { job: 'trellis', targets: [new URL(trellis.apiUrl).host], metricsPath: '/metrics' },
        { job: 'trellis-sidecars', targets: [frontend, client].map((a) => `127.0.0.1:${a.metricsPort}`), metricsPath: '/stats/prometheus' },
      ],
    });
    cleanups.push(() => prometheus.stop());
    // The counters the alerts watch must be scraped at 0 before anything moves them: a series first seen at 1 shows no increase.
    await waitFor(async () => (await prometheus.query('count_over_time(up[1m]) >= 3')).result.length === 3, 'three scrapes of each target', 30_000, 500);

    let running = true;
    let sent = 0;
    const traffic = (async () => {
      while (running) {
        await call();
        sent++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    // Registered last, so it runs first: the sidecars stop with no request in flight.
    cleanups.push(async () => {
      running = false;
      await traffic;
    });
    return { trellis, frontend, client, prometheus, scrapingSince, call, sent: () => sent, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}
