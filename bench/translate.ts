// Translation speed on a synthetic mesh: `npx tsx bench/translate.ts [services] [endpointsPerService]`.
import { createHash } from 'node:crypto';
import type { IstioResource } from '../core/resources/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, encodeResource, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../xds-server/protos/index.ts';
import { workloadInstances } from '../xds-server/control/workload-instances.ts';
import type { RegisteredWorkload } from '../core/registry/index.ts';
import { buildMeshIndex, translateSidecar, type MeshIndex, type ProxyDescriptor, type TranslationResult, type WorkloadInstance } from '../xds-server/translate/index.ts';

const SERVICES = Number(process.argv[2] ?? 1000);
const PER_SERVICE = Number(process.argv[3] ?? 10);
const NAMESPACES = 10;

const ns = (i: number) => `ns-${i % NAMESPACES}`;
const host = (i: number) => `svc-${i}.${ns(i)}.svc.cluster.local`;
const meta = (i: number) => ({ name: `svc-${i}`, namespace: ns(i) });

function meshResources(canaryWeight: number): IstioResource[] {
  const resources: IstioResource[] = [];
  for (let i = 0; i < SERVICES; i++) {
    resources.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: meta(i),
      spec: { hosts: [host(i)], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: { app: `svc-${i}` } } },
    });
    // Every tenth service runs a canary: subsets and a weighted VirtualService.
    if (i % 10 === 0) {
      resources.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: meta(i),
        spec: { host: host(i), subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
      });
      const weight = i === 0 ? canaryWeight : 10;
      resources.push({
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: meta(i),
        spec: {
          hosts: [host(i)],
          http: [
            { name: 'jason', match: [{ headers: { 'end-user': { exact: 'jason' } } }], route: [{ destination: { host: host(i), subset: 'v2' } }] },
            { name: 'canary', timeout: '2s', route: [{ destination: { host: host(i), subset: 'v1' }, weight: 100 - weight }, { destination: { host: host(i), subset: 'v2' }, weight }] },
          ],
        },
      });
    }
  }
  return resources;
}

function workloads(): WorkloadInstance[] {
  const list: WorkloadInstance[] = [];
  for (let i = 0; i < SERVICES; i++) {
    for (let j = 0; j < PER_SERVICE; j++) {
      const n = i * PER_SERVICE + j;
      list.push({
        name: `svc-${i}-${j}`,
        namespace: ns(i),
        address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        labels: { app: `svc-${i}`, version: j % 5 === 0 ? 'v2' : 'v1' },
        serviceAccount: `svc-${i}`,
        ports: { http: 8080 },
        locality: `eu-west-1/eu-west-1${'abc'[j % 3]}`,
      });
    }
  }
  return list;
}

const proxy: ProxyDescriptor = { kind: 'sidecar', namespace: 'ns-1', serviceAccount: 'web', workload: 'web-1', labels: { app: 'web' }, inbound: { port: 9080, bindAddress: '10.200.0.1' }, outboundPort: 15001 };

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const value = fn();
  return [value, performance.now() - t0];
}

/** Every resource's encoded bytes, by type and name. */
function encodeAll(result: TranslationResult): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const add = (typeUrl: string, list: TranslationResult['clusters']) => {
    for (const r of list) out.set(`${typeUrl} ${r.name}`, encodeResource(typeUrl, r.resource, r.name));
  };
  add(CLUSTER_TYPE_URL, result.clusters);
  add(ENDPOINT_TYPE_URL, result.endpoints);
  add(LISTENER_TYPE_URL, result.listeners);
  add(ROUTE_TYPE_URL, result.routes);
  return out;
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const fmt = (n: number) => `${n.toFixed(1)} ms`;
const input = (canaryWeight: number, previous?: MeshIndex) => ({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources: meshResources(canaryWeight), workloads: workloads(), previous });

const first = input(10);
const [index, buildMs] = timed(() => buildMeshIndex(first));
const [result, translateMs] = timed(() => translateSidecar(index, proxy));
const [warmResult, warmMs] = timed(() => translateSidecar(index, { ...proxy, workload: 'web-2', namespace: 'ns-2' }));
const [encoded, encodeMs] = timed(() => encodeAll(result));
const bytes = [...encoded.values()].reduce((sum, b) => sum + b.length, 0);
// Again, with protobufjs's codecs compiled: what each later encode of new content costs.
const [, encodeWarmMs] = timed(() => encodeAll(result));

// One service changes: the canary of svc-0 moves from 10% to 20%.
const second = input(20, index);
const [index2, rebuildMs] = timed(() => buildMeshIndex(second));
const [result2, retranslateMs] = timed(() => translateSidecar(index2, proxy));
const encoded2 = encodeAll(result2);
const changed = [...encoded2].filter(([key, b]) => {
  const before = encoded.get(key);
  return !before || digest(before) !== digest(b);
});

// The same workloads as connected sidecars (inbound port, no port map): what every reload of
// registrations turns into endpoint candidates, reading the ServiceEntries that select each one.
const registered: RegisteredWorkload[] = workloads().map((w) => ({ tenantId: 't', mesh: 'm', id: w.name, namespace: w.namespace, name: w.name, serviceAccount: w.serviceAccount ?? 'default', address: w.address, labels: { ...w.labels }, inboundPort: 15006, source: 'proxy', replica: 'r', since: '', expiresAt: '' }));
const [instances, instancesMs] = timed(() => workloadInstances(registered, second.resources, 'td'));

const count = (r: TranslationResult) => r.clusters.length + r.endpoints.length + r.listeners.length + r.routes.length;
console.log(`mesh: ${SERVICES} services, ${SERVICES * PER_SERVICE} endpoints, ${SERVICES / 10} canaries`);
console.log(`index build:                 ${fmt(buildMs)}`);
console.log(`sidecar translation (cold):  ${fmt(translateMs)}  (${count(result)} resources, ${result.issues.length} issues)`);
console.log(`sidecar in another ns:       ${fmt(warmMs)}  (${count(warmResult)} resources; clusters shared from the memo)`);
console.log(`encode all resources:        ${fmt(encodeMs)} cold, ${fmt(encodeWarmMs)} warm  (${(bytes / 1024 / 1024).toFixed(2)} MiB)`);
console.log(`registrations as endpoints:  ${fmt(instancesMs)}  (${instances.length} connected sidecars, ${SERVICES} ServiceEntries)`);
console.log(`after a one-service change:  index ${fmt(rebuildMs)}, translation ${fmt(retranslateMs)}`);
console.log(`resources whose content changed: ${changed.length} of ${encoded2.size}: ${changed.map(([k]) => k.split(' ')[1]).join(', ')}`);
