import type { CloudMapSource } from '../../registry/cloud-map-entries.ts';
import type { IstioResource } from '../../resources/index.ts';
import type { AppMeshInventory } from '../inventory.ts';
import { NameRegistry } from '../names.ts';
import { ImportReport } from '../report.ts';
import { checkOutput } from './check-output.ts';
import type { ConvertContext, ConvertOptions } from './context.ts';
import { convertGateways } from './gateways.ts';
import { VIRTUAL_GATEWAY_LABEL } from './labels.ts';
import { indexByMesh, type MeshIndex } from './mesh-index.ts';
import { sourceOf, type MeshScope } from './mesh-model.ts';
import { convertNodes, indexNodes } from './nodes.ts';
import { recordOutcomes } from './outcomes.ts';
import { describeRename } from './renames.ts';
import { convertServices } from './services.ts';

export interface ConversionResult {
  resources: IstioResource[];
  /** Trellis mesh settings (`PUT /v1/meshes/{mesh}` body) per App Mesh mesh. */
  meshSettings: Record<string, { namespace: string; settings: ImportedMeshSettings }>;
  report: ImportReport;
  /** Per virtual node and virtual gateway: the labels (and named ports) its workloads join with (`trellis-agent --label`). */
  workloads: WorkloadHint[];
  /** Per virtual node discovered through Cloud Map: the source whose instances a CloudMapPoller registers with the node's labels. */
  cloudMapSources: CloudMapSource[];
}

/** The Trellis mesh settings an App Mesh mesh needs: its egress policy, and its Cloud Map services as registry sources. */
export interface ImportedMeshSettings {
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY' };
  registrySources?: { cloudMap: { sources: CloudMapSource[]; roleArn?: string; region?: string } };
}

export interface WorkloadHint {
  mesh: string;
  namespace: string;
  kind: 'VirtualNode' | 'VirtualGateway';
  name: string;
  labels: Record<string, string>;
  /** Service port name → the node's listener port. */
  ports: Record<string, number>;
}

function egressFilter(ctx: ConvertContext, index: MeshIndex, namespace: string, result: ConversionResult): void {
  const source = `Mesh/${index.name}`;
  const type = index.mesh?.data.spec.egressFilter?.type ?? 'DROP_ALL';
  const mode = type === 'ALLOW_ALL' ? 'ALLOW_ANY' : 'REGISTRY_ONLY';
  result.meshSettings[index.name] = { namespace, settings: { outboundTrafficPolicy: { mode } } };
  if (!index.mesh) ctx.report.approximated(source, '(resource)', `mesh settings outboundTrafficPolicy.mode ${mode}`, 'the mesh itself was not in the input: App Mesh\'s default egress filter DROP_ALL is assumed');
  else ctx.report.mapped(source, 'spec.egressFilter.type', `mesh settings outboundTrafficPolicy.mode ${mode}`, index.mesh.data.spec.egressFilter ? '' : 'unset: App Mesh\'s default DROP_ALL');
  if (index.mesh?.data.spec.serviceDiscovery?.ipPreference) ctx.report.none(source, 'spec.serviceDiscovery.ipPreference', 'Trellis uses the addresses workloads register with');
}

/** App Mesh resources (already read and validated) → Trellis resources, mesh settings and a report. */
export function convertInventory(inventory: AppMeshInventory, options: ConvertOptions = {}): ConversionResult {
  const report = new ImportReport();
  const ctx: ConvertContext = { options, report, names: new NameRegistry(), resources: [], meshSettings: {}, origin: new Map() };
  const result: ConversionResult = { resources: [], meshSettings: {}, report, workloads: [], cloudMapSources: [] };
  for (const note of inventory.notes) report.none(note.source, '(input)', note.message);
  for (const a of inventory.assumptions) report.approximated(a.source, '(input)', undefined, a.message);
  const meshes = indexByMesh(inventory, report);
  for (const index of meshes) {
    const namespace = options.namespace ?? ctx.names.name('namespace', index.name);
    const scope: MeshScope = { ctx, index, namespace, nodes: new Map(), destinationRules: new Map(), hosts: new Map() };
    ctx.names.reserve(`${namespace}/node`, index.nodes.keys());
    ctx.names.reserve(`${namespace}/router`, index.routers.keys());
    ctx.names.reserve(`${namespace}/gateway`, index.gateways.keys());
    egressFilter(ctx, index, namespace, result);
    indexNodes(scope);
    convertServices(scope);
    convertNodes(scope);
    convertGateways(scope);
    for (const n of scope.nodes.values()) result.workloads.push({ mesh: index.name, namespace, kind: 'VirtualNode', name: n.name, labels: { ...n.labels }, ports: { ...n.ports } });
    const firstSource = result.cloudMapSources.length;
    for (const n of scope.nodes.values()) {
      const cloudMap = n.node.data.spec.serviceDiscovery?.awsCloudMap;
      const portNames = Object.keys(n.ports);
      if (cloudMap) result.cloudMapSources.push({ cloudMapNamespace: cloudMap.namespaceName, service: cloudMap.serviceName, namespace, labels: { ...n.labels }, ...(portNames.length ? { portNames } : {}) });
    }
    // The mesh's Cloud Map services go into its settings: the xds-server polls them.
    const sources = result.cloudMapSources.slice(firstSource);
    if (sources.length > 0) result.meshSettings[index.name]!.settings.registrySources = { cloudMap: { sources } };
    for (const g of index.gateways.keys()) result.workloads.push({ mesh: index.name, namespace, kind: 'VirtualGateway', name: g, labels: { [VIRTUAL_GATEWAY_LABEL]: ctx.names.name(`${namespace}/gateway`, g) }, ports: {} });
  }
  for (const l of inventory.listed) {
    const described = (inventory[l.kind] as { data: Record<string, unknown> }[]).some((x) => Object.values(x.data).includes(l.name) && (l.kind === 'Mesh' || x.data.meshName === l.meshName));
    const source = l.kind === 'Mesh' ? sourceOf('Mesh', l.name) : sourceOf(l.kind, l.meshName, ...(l.parent ? [l.parent] : []), l.name);
    if (!described) report.leftOut(source, '(input)', `listed (${l.source}) but not described: add the output of aws appmesh describe-${l.kind.replace(/[A-Z]/g, (c, i: number) => (i ? '-' : '') + c.toLowerCase())}`);
  }
  result.resources = checkOutput(dedupe(ctx.resources, ctx.origin, report), ctx.origin, report);
  recordOutcomes(inventory, report);
  report.renames.push(...ctx.names.renames.map(describeRename));
  return result;
}

/** Two App Mesh meshes put into one namespace can produce the same resource; the first one is kept. */
function dedupe(resources: IstioResource[], origin: ReadonlyMap<IstioResource, string>, report: ImportReport): IstioResource[] {
  const seen = new Map<string, IstioResource>();
  return resources.filter((r) => {
    const key = `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`;
    const first = seen.get(key);
    if (!first) return seen.set(key, r);
    report.leftOut(origin.get(r) ?? key, '(converted)', `${key} is also made from ${origin.get(first) ?? 'another App Mesh resource'}; the first is kept (use one namespace per mesh)`);
    return false;
  });
}
