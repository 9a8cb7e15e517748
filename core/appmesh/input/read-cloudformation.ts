import type { PathSegment } from '../../resources/field-path.ts';
import { formatPath } from '../../resources/field-path.ts';
import { issuesToFieldErrors } from '../../resources/zod-issues.ts';
import { APP_MESH_KINDS, APP_MESH_KIND_NAMES, type AppMeshKind } from '../kinds.ts';
import { templatePath, toApiKeys } from './cfn-keys.ts';
import { parseAsCloudFormation } from './coerce.ts';
import { TemplateResolver, type TemplateEnvironment } from './intrinsics.ts';
import { containsUnresolved, NO_VALUE, UNRESOLVED } from './problems.ts';
import type { ReadSink } from './sink.ts';

const TYPE_PREFIX = 'AWS::AppMesh::';
// Properties every App Mesh resource type may carry besides its names and Spec; not converted.
const IGNORED_PROPERTIES = new Set(['Tags', 'MeshOwner']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isTemplate(value: unknown): value is Record<string, unknown> {
  return isObject(value) && (isObject(value.Resources) || typeof value.AWSTemplateFormatVersion === 'string');
}

function kindOfType(type: unknown): AppMeshKind | undefined {
  if (typeof type !== 'string' || !type.startsWith(TYPE_PREFIX)) return undefined;
  return APP_MESH_KIND_NAMES.find((k) => k === type.slice(TYPE_PREFIX.length));
}

/** CloudFormation's name property for a kind: `MeshName`, `VirtualNodeName`, ... */
const cfnName = (apiName: string) => apiName.charAt(0).toUpperCase() + apiName.slice(1);

/** Logical IDs standing in for the names CloudFormation generates when an App Mesh resource names none. */
function generatedNames(resources: Record<string, unknown>): Record<string, Record<string, string>> {
  const attributes: Record<string, Record<string, string>> = {};
  for (const [id, r] of Object.entries(resources)) {
    const kind = isObject(r) ? kindOfType(r.Type) : undefined;
    if (kind) attributes[id] = { [cfnName(APP_MESH_KINDS[kind].nameKey)]: id };
  }
  return attributes;
}

/** A resolver for one template, with the names CloudFormation would generate for its unnamed App Mesh resources. */
export function templateResolver(template: Record<string, unknown>, file: string, env: TemplateEnvironment): TemplateResolver {
  return new TemplateResolver(file, template, env, generatedNames(isObject(template.Resources) ? template.Resources : {}));
}

/** Reads the `AWS::AppMesh::*` resources of a CloudFormation (or CDK-synthesized) template. */
export function readCloudFormation(resolver: TemplateResolver, sink: ReadSink): void {
  const { file, template } = resolver;
  const resources = isObject(template.Resources) ? template.Resources : {};
  let found = 0;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const base: PathSegment[] = ['Resources', logicalId];
    if (!isObject(resource)) {
      sink.errors.push({ path: `${file}:${formatPath(base)}`, message: 'a resource must be an object with Type and Properties' });
      continue;
    }
    if (typeof resource.Type === 'string' && resource.Type.startsWith(TYPE_PREFIX) && !kindOfType(resource.Type)) {
      sink.errors.push({ path: `${file}:${formatPath([...base, 'Type'])}`, message: `unknown App Mesh resource type ${resource.Type}` });
      continue;
    }
    const kind = kindOfType(resource.Type);
    if (!kind) continue;
    found++;
    if (resource.Condition !== undefined) {
      const condition = resolver.condition(resource.Condition, formatPath([...base, 'Condition']));
      if (condition === UNRESOLVED) continue;
      if (!condition) {
        sink.inventory.skipped.push({ kind, source: `${file}:${formatPath(base)}`, reason: `its Condition ${String(resource.Condition)} is false, so CloudFormation would not create it` });
        continue;
      }
    }
    readResource(kind, logicalId, resource.Properties ?? {}, resolver, sink);
  }
  for (const note of resolver.notes) sink.inventory.notes.push({ source: `${file}:${note.path}`, message: note.message });
  // A template without App Mesh resources may be given for its exports (a network stack); otherwise it is worth a note.
  const exportsSomething = isObject(template.Outputs) && Object.values(template.Outputs).some((o) => isObject(o) && o.Export !== undefined);
  if (found === 0 && !exportsSomething) sink.inventory.notes.push({ source: file, message: 'the template has no AWS::AppMesh::* resources' });
}

function readResource(kind: AppMeshKind, logicalId: string, properties: unknown, resolver: TemplateResolver, sink: ReadSink): void {
  const { file } = resolver;
  const propsPath: PathSegment[] = ['Resources', logicalId, 'Properties'];
  const resolved = resolver.resolve(properties, formatPath(propsPath));
  if (containsUnresolved(resolved)) return;
  if (!isObject(resolved) && resolved !== NO_VALUE) {
    sink.errors.push({ path: `${file}:${formatPath(propsPath)}`, message: 'Properties must be an object' });
    return;
  }
  const props = Object.fromEntries(Object.entries(isObject(resolved) ? resolved : {}).filter(([k]) => !IGNORED_PROPERTIES.has(k)));
  const { nameKey } = APP_MESH_KINDS[kind];
  // An unnamed resource gets a generated name from CloudFormation; the logical ID stands in for it.
  props[cfnName(nameKey)] ??= logicalId;
  if (kind === 'Mesh') props.Spec ??= {};
  const data = toApiKeys(props) as Record<string, unknown>;
  const parsed = parseAsCloudFormation(APP_MESH_KINDS[kind].schema, data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const apiPath = issue.path as PathSegment[];
      for (const e of issuesToFieldErrors([issue])) {
        const key = issue.code === 'unrecognized_keys' ? issue.keys.find((k) => e.path === formatPath([...apiPath, k])) : undefined;
        const original = templatePath(props, key === undefined ? apiPath : [...apiPath, key]);
        sink.errors.push({ path: `${file}:${formatPath([...propsPath, ...original])}`, message: e.message });
      }
    }
    return;
  }
  sink.add(kind, parsed.data as never, `${file}:${formatPath(['Resources', logicalId])}`);
}
