// Config bytes one sidecar receives with and without a Sidecar egress scope: `npx tsx bench/sidecar-scope.ts [services]`.
import type { IstioResource } from '../core/resources/index.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, encodeResource, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../xds-server/protos/index.ts';
import { buildMeshIndex, translateSidecar, type Named, type ProxyDescriptor } from '../xds-server/translate/index.ts';

const SERVICES = Number(process.argv[2] ?? 200);
const NAMESPACES = 10;
const ENDPOINTS = 3;

const ns = (i: number) => `ns-${i % NAMESPACES}`;
const host = (i: number) => `svc-${i}.${ns(i)}.svc.cluster.local`;

function mesh(scoped: boolean): IstioResource[] {
  const resources: IstioResource[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const metadata = { name: `svc-${i}`, namespace: ns(i) };
    const endpoints = Array.from({ length: ENDPOINTS }, (_, e) => ({ address: `10.${i >> 8}.${i & 255}.${e + 1}`, labels: { version: e === 0 ? 'v2' : 'v1' } }));
    resources.push({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata, spec: { hosts: [host(i)], location: 'MESH_INTERNAL', resolution: 'STATIC', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], endpoints } });
    resources.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata,
      spec: { host: host(i), trafficPolicy: { outlierDetection: { consecutive5xxErrors: 5 } }, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    });
    resources.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata,
      spec: { hosts: [host(i)], http: [{ route: [{ destination: { host: host(i), subset: 'v1' }, weight: 90 }, { destination: { host: host(i), subset: 'v2' }, weight: 10 }] }] },
    });
  }
  // The usual scope: the proxy's own namespace plus one shared namespace.
  if (scoped) resources.push({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: 'ns-0' }, spec: { egress: [{ hosts: ['./*', 'ns-1/*'] }] } });
  return resources;
}

const bytes = (typeUrl: string, list: Named[]) => list.reduce((sum, r) => sum + encodeResource(typeUrl, r.resource, r.name).length, 0);

const proxy: ProxyDescriptor = { kind: 'sidecar', namespace: 'ns-0', serviceAccount: 'web', workload: 'web-1', labels: { app: 'web' }, inbound: undefined };
const rows = [false, true].map((scoped) => {
  const result = translateSidecar(buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: {}, resources: mesh(scoped), workloads: [] }), proxy);
  const cds = bytes(CLUSTER_TYPE_URL, result.clusters);
  const lds = bytes(LISTENER_TYPE_URL, result.listeners);
  const rds = bytes(ROUTE_TYPE_URL, result.routes);
  const eds = bytes(ENDPOINT_TYPE_URL, result.endpoints);
  return { scope: scoped ? 'Sidecar ./* + ns-1/*' : 'none', clusters: result.clusters.length, 'CDS+LDS+RDS bytes': cds + lds + rds, 'EDS bytes': eds, 'total bytes': cds + lds + rds + eds };
});
console.log(`${SERVICES} services in ${NAMESPACES} namespaces, ${ENDPOINTS} endpoints and 2 subsets each; one sidecar in ns-0`);
console.table(rows);
const [full, scoped] = rows;
if (full && scoped) console.log(`scope keeps ${((100 * scoped['CDS+LDS+RDS bytes']) / full['CDS+LDS+RDS bytes']).toFixed(1)}% of CDS+LDS+RDS bytes`);
