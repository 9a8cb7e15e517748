import type { NodeMessage } from './messages.ts';

/** The proxy's self-description, with metadata as plain JSON. Claims, not proof of identity. */
export interface XdsNode {
  id: string;
  cluster: string;
  metadata: Record<string, unknown>;
  userAgent: string;
  /** The node as decoded, for fields not lifted above (locality, extensions, ...). */
  raw: NodeMessage;
}

/** Converts a decoded `google.protobuf.Struct` / `Value` into JSON. */
function structToJson(struct: unknown): Record<string, unknown> {
  const fields = (struct as { fields?: Record<string, unknown> } | undefined)?.fields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, valueToJson(v)]));
}

// protobufjs bundles google.protobuf.Struct with camelCase field names even when the Envoy
// protos are loaded with keepCase, so both spellings are read.
const VALUE_FIELDS: Record<string, 'struct' | 'list' | 'scalar'> = {
  struct_value: 'struct',
  structValue: 'struct',
  list_value: 'list',
  listValue: 'list',
  string_value: 'scalar',
  stringValue: 'scalar',
  number_value: 'scalar',
  numberValue: 'scalar',
  bool_value: 'scalar',
  boolValue: 'scalar',
};

function valueToJson(value: unknown): unknown {
  const v = (value ?? {}) as Record<string, unknown>;
  const kind = typeof v['kind'] === 'string' ? v['kind'] : '';
  switch (VALUE_FIELDS[kind]) {
    case 'struct':
      return structToJson(v[kind]);
    case 'list':
      return ((v[kind] as { values?: unknown[] } | null)?.values ?? []).map(valueToJson);
    case 'scalar':
      return v[kind];
    default:
      return null;
  }
}

export function toXdsNode(node: NodeMessage | null | undefined): XdsNode {
  const raw = node ?? {};
  const name = typeof raw['user_agent_name'] === 'string' ? raw['user_agent_name'] : '';
  const version = typeof raw['user_agent_version'] === 'string' ? raw['user_agent_version'] : '';
  return {
    id: typeof raw.id === 'string' ? raw.id : '',
    cluster: typeof raw.cluster === 'string' ? raw.cluster : '',
    metadata: structToJson(raw.metadata),
    userAgent: [name, version].filter(Boolean).join('/'),
    raw,
  };
}
