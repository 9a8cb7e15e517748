import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MeshSettingsSchema } from '../mesh/mesh-settings.ts';
import { parseResource } from '../resources/parse-resource.ts';
import { importAppMesh } from './import-appmesh.ts';
import { renderReportTable } from './render-report.ts';
import { renderYamlStream } from './render-output.ts';
import { parseAllDocuments } from 'yaml';

const FIXTURES = path.join(import.meta.dirname, '../../test/fixtures/appmesh');
const describeDocs = () => readdirSync(path.join(FIXTURES, 'describe')).sort().map((f) => ({ name: f, text: readFileSync(path.join(FIXTURES, 'describe', f), 'utf8') }));
const templateDocs = () => [{ name: 'colorapp.cfn.yaml', text: readFileSync(path.join(FIXTURES, 'colorapp.cfn.yaml'), 'utf8') }];

function convert(docs: { name: string; text: string }[], options = {}) {
  const result = importAppMesh(docs, options);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.value;
}

const find = (value: ReturnType<typeof convert>, kind: string, name: string) => value.resources.find((r) => r.kind === kind && r.metadata.name === name);

describe('importing the colorapp fixtures', () => {
  it('accepts every emitted resource as the API would', () => {
    // GIVEN the describe-* output of a whole mesh
    const value = convert(describeDocs());
    // THEN every resource parses, and nothing was left out
    expect(value.resources.length).toBeGreaterThan(10);
    for (const r of value.resources) expect(parseResource(r).ok, `${r.kind}/${r.metadata.name}`).toBe(true);
    expect(value.report.entries.filter((e) => e.field === '(converted)')).toEqual([]);
  });

  it('gives the same resources from the CloudFormation template as from describe-* output', () => {
    const fromDescribe = convert(describeDocs());
    const fromTemplate = convert(templateDocs());
    expect(fromTemplate.resources).toEqual(fromDescribe.resources);
    expect(fromTemplate.meshSettings).toEqual(fromDescribe.meshSettings);
    // The only difference: the ACM certificate of the template is a resource, kept as a placeholder and noted.
    expect(fromTemplate.report.entries.some((e) => e.source.includes('BlueNode') && e.note.includes('placeholder'))).toBe(true);
  });

  it('maps DROP_ALL to REGISTRY_ONLY mesh settings in one namespace per mesh, with its Cloud Map node as a registry source', () => {
    const value = convert(describeDocs());
    const red = { cloudMapNamespace: 'colorapp.local', service: 'colorteller-red', namespace: 'colorapp', labels: value.workloads.find((w) => w.name === 'colorteller-red')!.labels, portNames: ['http-9080'] };
    expect(value.meshSettings).toEqual({ colorapp: { namespace: 'colorapp', settings: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, registrySources: { cloudMap: { sources: [red] } } } } });
    expect(MeshSettingsSchema.safeParse(value.meshSettings.colorapp!.settings).success).toBe(true);
    expect(new Set(value.resources.map((r) => r.metadata.namespace))).toEqual(new Set(['colorapp']));
  });

  it('puts everything in one namespace with --namespace', () => {
    const value = convert(describeDocs(), { namespace: 'legacy' });
    expect(new Set(value.resources.map((r) => r.metadata.namespace))).toEqual(new Set(['legacy']));
  });

  it('orders routes by priority and converts matches, weights, timeouts and retries', () => {
    const vs = find(convert(describeDocs()), 'VirtualService', 'colorteller-colorapp-svc-cluster-local')!;
    const http = (vs.spec as { http: Record<string, unknown>[] }).http;
    expect(http.map((r) => r.name)).toEqual(['color-debug', 'color-header', 'color-weighted']);
    expect(http[0]!.match).toEqual([{ uri: { exact: '/debug' }, method: { exact: 'GET' }, queryParams: { verbose: { exact: '1' } } }]);
    expect(http[1]!.match).toEqual([{ headers: { 'x-color': { exact: 'red' } } }]);
    expect(http[2]).toMatchObject({
      route: [{ weight: 50, destination: { subset: 'colorteller-blue' } }, { weight: 25 }, { weight: 25 }],
      timeout: '5s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,gateway-error,reset,connect-failure' },
    });
  });

  it('turns listener outlier detection and idle timeouts into subset traffic policies, and connection pools into the node Sidecar inbound pool', () => {
    const value = convert(describeDocs());
    const dr = find(value, 'DestinationRule', 'colorteller-colorapp-svc-cluster-local')!;
    const subsets = (dr.spec as { subsets: { name: string; trafficPolicy: unknown }[] }).subsets;
    expect(subsets.find((s) => s.name === 'colorteller-blue')!.trafficPolicy).toEqual({
      outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      connectionPool: { http: { idleTimeout: '60s' } },
    });
    expect((dr.spec as { trafficPolicy: unknown }).trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
    const sidecar = find(value, 'Sidecar', 'colorteller-blue')!;
    expect(sidecar.spec).toEqual({
      workloadSelector: { labels: { 'appmesh.trellis.dev/virtual-node': 'colorteller-blue' } },
      inboundConnectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 50 } },
    });
    const entries = value.report.entries.filter((e) => e.source === 'VirtualNode/colorapp/colorteller-blue' && e.field.endsWith('connectionPool'));
    expect(entries.map((e) => [e.status, e.field, e.trellis])).toEqual([['mapped', 'spec.listeners[0].connectionPool', 'Sidecar colorapp/colorteller-blue spec.inboundConnectionPool']]);
  });

  it('renders a YAML stream with the mesh settings first, and a report table', () => {
    const value = convert(describeDocs());
    const yaml = renderYamlStream(value);
    expect(JSON.parse(yaml.split('\n')[1]!.slice(4))).toEqual(value.meshSettings.colorapp!.settings);
    expect(parseAllDocuments(yaml).map((d) => d.toJS())).toEqual(JSON.parse(JSON.stringify(value.resources)));
    const table = renderReportTable(value.report.entries);
    expect(table.split('\n')[0]).toMatch(/^STATUS\s+SOURCE\s+FIELD\s+TRELLIS\s+NOTE$/);
    expect(table).toMatch(/\d+ mapped, \d+ approximated, \d+ with no equivalent/);
  });

  it('names the labels each virtual node workload joins with', () => {
    const red = convert(describeDocs()).workloads.find((w) => w.name === 'colorteller-red')!;
    expect(red.labels).toEqual({
      'appmesh.trellis.dev/virtual-node': 'colorteller-red',
      'cloudmap.appmesh.trellis.dev/ECS_TASK_DEFINITION_FAMILY': 'colorteller-red',
      'router.appmesh.trellis.dev/colorteller-vr': 'member',
    });
  });

  it('reports resources a list-* output named but no describe-* output gave', () => {
    const docs = describeDocs().filter((d) => d.name !== 'virtual-nodes.json');
    const value = convert(docs);
    expect(value.report.entries.filter((e) => e.field === '(input)' && e.note.includes('describe-virtual-node'))).toHaveLength(4);
  });
});
