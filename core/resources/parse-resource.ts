import { fail, ok, type FieldError, type Result } from '../result.ts';
import { dnsLabelProblem } from './formats/names.ts';
import { classifyDocument, UNSUPPORTED_ISTIO_KINDS } from './document-kinds.ts';
import { resourceSchema } from './envelope.ts';
import { isKindName, KIND_NAMES, storedApiVersion, type KindName } from './kinds.ts';
import type { IstioResource, ObjectMeta } from './resource.ts';
import type { SpecOf } from './schemas/spec-schemas.ts';
import { validateSpecSemantics } from './semantics/index.ts';
import { unsupportedFieldErrors } from './unsupported.ts';
import { issuesToFieldErrors } from './zod-issues.ts';

export interface ParseResourceOptions {
  /** Namespace for objects that name none; `default` unless given. */
  defaultNamespace?: string;
}

/** An Istio object after parsing: apiVersion normalised to v1, namespace filled in, spec typed per kind. */
export type ParsedResource<K extends KindName = KindName> = { [P in K]: IstioResource<SpecOf[P]> & { kind: P } }[K];

// Fields newer than this schema land here as well as typos; say which version does not know them.
const UNKNOWN_FIELD = 'unsupported (unknown to this version of Trellis)';

// Kinds whose every spec field is optional: without `spec` they mean `spec: {}`, as Istio reads them (an AuthorizationPolicy then allows nothing).
const SPEC_MAY_BE_OMITTED: ReadonlySet<KindName> = new Set(['AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication', 'Telemetry']);

function withDefaultSpec(kind: KindName, input: object): object {
  return SPEC_MAY_BE_OMITTED.has(kind) && !('spec' in input) ? { ...input, spec: {} } : input;
}

/**
 * Validates one Istio object (schema, per-kind semantics, then fields Trellis does not translate) and normalises it.
 * Never throws on bad input: every problem comes back as a field error.
 */
export function parseResource(input: unknown, options: ParseResourceOptions = {}): Result<ParsedResource> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail([{ path: '', message: `expected an object with apiVersion, kind, metadata and spec, got ${input === null ? 'null' : Array.isArray(input) ? 'array' : typeof input}` }]);
  }
  const kind = (input as { kind?: unknown }).kind;
  const sort = classifyDocument(input);
  if (sort.class === 'unsupported' && Object.hasOwn(UNSUPPORTED_ISTIO_KINDS, sort.kind)) {
    return fail([{ path: 'kind', message: `${sort.kind} (${sort.apiVersion}) is unsupported: Trellis does not serve this Istio kind yet (${sort.reason})` }]);
  }
  if (typeof kind !== 'string' || !isKindName(kind)) {
    const got = kind === undefined ? 'it is missing' : `got ${JSON.stringify(kind)}`;
    return fail([{ path: 'kind', message: `kind must be one of ${KIND_NAMES.join(', ')}; ${got}` }]);
  }
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const namespaceProblem = dnsLabelProblem(defaultNamespace, 'namespace');
  if (namespaceProblem) return fail([{ path: 'metadata.namespace', message: namespaceProblem }]);

  const parsed = resourceSchema(kind).safeParse(withDefaultSpec(kind, input), { reportInput: true });
  if (!parsed.success) return fail(issuesToFieldErrors(parsed.error.issues, [], UNKNOWN_FIELD));

  const { metadata, spec } = parsed.data;
  const semanticErrors: FieldError[] = validateSpecSemantics(kind, spec as SpecOf[typeof kind]);
  if (semanticErrors.length > 0) return fail(semanticErrors);
  const unsupported = unsupportedFieldErrors(kind, spec as Record<string, unknown>);
  if (unsupported.length > 0) return fail(unsupported);

  const meta: ObjectMeta = { name: metadata.name, namespace: metadata.namespace ?? defaultNamespace };
  if (metadata.labels) meta.labels = metadata.labels;
  if (metadata.annotations) meta.annotations = metadata.annotations;
  if (metadata.resourceVersion !== undefined) meta.resourceVersion = metadata.resourceVersion;
  return ok({ apiVersion: storedApiVersion(kind), kind, metadata: meta, spec } as ParsedResource);
}
