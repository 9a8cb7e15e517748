import { parseAllDocuments } from 'yaml';
import { parseResource } from '../../resources/parse-resource.ts';
import type { IstioResource } from '../../resources/resource.ts';
import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { MeshView } from '../mesh-view.ts';

/** Parses a multi-document YAML mesh the way the API does; throws on invalid input so fixtures stay honest. */
export function mesh(yaml: string): IstioResource[] {
  return parseAllDocuments(yaml).map((doc, i) => {
    const parsed = parseResource(doc.toJS());
    if (!parsed.ok) throw new Error(`fixture document ${i}: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    return parsed.value;
  });
}

export function run(analyzer: Analyzer, yaml: string): Finding[] {
  return analyzer.run(new MeshView(mesh(yaml)));
}

/** A ServiceEntry for `host` in `namespace` whose endpoints are WorkloadEntries labelled `app`. */
export function service(name: string, namespace = 'shop', host = `${name}.${namespace}.svc.cluster.local`): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: ${name} } }
`;
}

export function workload(name: string, labels: Record<string, string>, namespace = 'shop', autoRegistered = false): string {
  const meta = autoRegistered ? `, labels: { trellis.dev/auto-registered: "true" }` : '';
  return `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: ${name}, namespace: ${namespace}${meta} }
spec:
  address: 10.0.0.${(name.length % 200) + 1}
  labels: { ${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')} }
`;
}

export const docs = (...parts: string[]) => parts.join('---\n');
