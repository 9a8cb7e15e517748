import type { MeshSettingsInput } from '../../mesh/mesh-settings.ts';
import type { IstioResource, KindName } from '../../resources/index.ts';
import { storedApiVersion } from '../../resources/kinds.ts';
import type { NameRegistry } from '../names.ts';
import type { ImportReport } from '../report.ts';

export interface ConvertOptions {
  /** Put everything in this namespace instead of one namespace per App Mesh mesh. */
  namespace?: string;
}

/** What the conversion of one input builds up. */
export interface ConvertContext {
  options: ConvertOptions;
  report: ImportReport;
  names: NameRegistry;
  resources: IstioResource[];
  /** Trellis mesh settings per App Mesh mesh name. */
  meshSettings: Record<string, MeshSettingsInput>;
  /** The App Mesh resource each Trellis resource was made from, for the report. */
  origin: Map<IstioResource, string>;
}

/** Adds a Trellis resource made from the App Mesh resource `source` (`VirtualNode/mesh/name`). */
export function emit(ctx: ConvertContext, source: string, kind: KindName, namespace: string, name: string, spec: Record<string, unknown>): IstioResource {
  const resource: IstioResource = {
    apiVersion: storedApiVersion(kind),
    kind,
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'trellis-import-appmesh' } },
    spec,
  };
  ctx.resources.push(resource);
  ctx.origin.set(resource, source);
  return resource;
}

/** A Trellis resource's address for the report: `DestinationRule howto/colorteller`. */
export const where = (r: IstioResource, field = '') => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}${field ? ` ${field}` : ''}`;
