import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isKindName, parseResource, type IstioResource } from '../../../core/resources/index.ts';
import { buildMeshIndex } from '../mesh/build-mesh-index.ts';
import type { MeshSettings } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import type { GatewayCredential } from '../gateway/gateway-credential.ts';
import { translateGateway } from '../gateway/translate-gateway.ts';
import { translateGrpcClient } from '../translate-grpc-client.ts';
import { translateSidecar } from '../translate-sidecar.ts';
import type { Named, TranslationResult } from '../translation-result.ts';
import type { WorkloadInstance } from '../workload-instance.ts';

/** The non-Istio document of an input.yaml: who is translated, and the mesh around the resources. */
interface CaseDocument {
  kind: 'TranslationCase';
  proxy: ProxyDescriptor;
  workloads?: WorkloadInstance[];
  settings?: MeshSettings;
  /** Uploaded gateway credentials, as `namespace/name` → PEMs. */
  credentials?: Record<string, GatewayCredential>;
}

/** Reads `<dir>/input.yaml` (Istio resources plus one TranslationCase document) and translates it. */
export function runCase(dir: string): TranslationResult {
  const docs = parseAllDocuments(readFileSync(path.join(dir, 'input.yaml'), 'utf8')).map((d) => d.toJS() as { kind?: string });
  const resources: IstioResource[] = [];
  let testCase: CaseDocument | undefined;
  for (const doc of docs) {
    if (doc.kind === 'TranslationCase') {
      testCase = doc as CaseDocument;
      continue;
    }
    if (!doc.kind || !isKindName(doc.kind)) throw new Error(`${dir}: unexpected document kind ${doc.kind}`);
    const parsed = parseResource(doc);
    if (!parsed.ok) throw new Error(`${dir}: invalid ${doc.kind}: ${JSON.stringify(parsed.errors)}`);
    resources.push(parsed.value);
  }
  if (!testCase) throw new Error(`${dir}: no TranslationCase document`);
  const index = buildMeshIndex({ tenantId: 't1', mesh: 'm1', revision: 1, settings: testCase.settings ?? {}, resources, workloads: testCase.workloads ?? [] });
  if (testCase.proxy.kind === 'gateway') return translateGateway(index, testCase.proxy, new Map(Object.entries(testCase.credentials ?? {})));
  return testCase.proxy.kind === 'grpc' ? translateGrpcClient(index, testCase.proxy) : translateSidecar(index, testCase.proxy);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const byName = (list: Named[]) => Object.fromEntries(list.map((n) => [n.name, n.resource]));

/** The golden form: resources by type and name, keys sorted at every level. */
export function goldenJson(result: TranslationResult): string {
  const golden = {
    clusters: byName(result.clusters),
    endpoints: byName(result.endpoints),
    listeners: byName(result.listeners),
    routes: byName(result.routes),
    ...(result.secrets ? { secrets: byName(result.secrets) } : {}),
    issues: result.issues,
  };
  return `${JSON.stringify(sortKeys(golden), null, 2)}\n`;
}
