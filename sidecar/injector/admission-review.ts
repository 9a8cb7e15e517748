import { fail, ok, type Result } from '../../core/result.ts';
import { injectPod, type InjectionContext } from './inject-pod.ts';
import type { InjectionConfig } from './injection-config.ts';
import type { AdmissionRequest, AdmissionResponse, AdmissionReview, Pod } from './k8s-types.ts';

/** A review we cannot answer for a specific request: HTTP 400, the uid when one was readable. */
export interface MalformedReview {
  uid: string;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringMap = (v: unknown) => v === undefined || (isObject(v) && Object.values(v).every((s) => typeof s === 'string'));

/** The envelope: apiVersion, kind and a request with a uid; anything else is malformed. */
export function parseAdmissionReview(body: unknown): Result<AdmissionRequest> | { ok: false; malformed: MalformedReview } {
  const bad = (message: string, uid = '') => ({ ok: false as const, malformed: { uid, message } });
  if (!isObject(body)) return bad('the body must be a JSON object (an AdmissionReview)');
  if (body.kind !== 'AdmissionReview') return bad(`kind must be AdmissionReview, got ${JSON.stringify(body.kind)?.slice(0, 64)}`);
  if (body.apiVersion !== 'admission.k8s.io/v1') {
    return bad(`apiVersion must be admission.k8s.io/v1 (set admissionReviewVersions: [v1]), got ${JSON.stringify(body.apiVersion)?.slice(0, 64)}`);
  }
  const request = body.request;
  if (!isObject(request)) return bad('request is missing');
  const uid = request.uid;
  if (typeof uid !== 'string' || uid === '' || uid.length > 128) return bad('request.uid must be a non-empty string (at most 128 characters)');
  const kind = request.kind;
  if (!isObject(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string' || typeof kind.group !== 'string') return bad('request.kind must be a group/version/kind', uid);
  if (typeof request.operation !== 'string') return bad('request.operation is missing', uid);
  return ok(request as unknown as AdmissionRequest);
}

/** The fields of a pod the injector reads, checked before it reads them. */
function checkPod(object: unknown): Result<Pod> {
  const error = (path: string, message: string) => fail<Pod>([{ path, message }]);
  if (!isObject(object)) return error('request.object', 'must be a Pod object');
  const meta = object.metadata;
  if (meta !== undefined && !isObject(meta)) return error('request.object.metadata', 'must be an object');
  if (!isStringMap(meta?.labels)) return error('request.object.metadata.labels', 'must map strings to strings');
  if (!isStringMap(meta?.annotations)) return error('request.object.metadata.annotations', 'must map strings to strings');
  const spec = object.spec;
  if (!isObject(spec)) return error('request.object.spec', 'is missing');
  for (const key of ['containers', 'initContainers', 'volumes'] as const) {
    const list = spec[key];
    if (list === undefined && key !== 'containers') continue;
    if (!Array.isArray(list) || !list.every((c) => isObject(c) && typeof c.name === 'string')) return error(`request.object.spec.${key}`, 'must be a list of named objects');
  }
  for (const [i, c] of (spec.containers as Record<string, unknown>[]).entries()) {
    const ports = c.ports;
    if (ports !== undefined && (!Array.isArray(ports) || !ports.every((p) => isObject(p) && Number.isInteger(p.containerPort)))) {
      return error(`request.object.spec.containers[${i}].ports`, 'must be a list of ports with an integer containerPort');
    }
  }
  return ok(object as Pod);
}

const allow = (uid: string, warnings?: string[]): AdmissionResponse => ({ uid, allowed: true, ...(warnings ? { warnings } : {}) });
const deny = (uid: string, code: number, message: string): AdmissionResponse => ({ uid, allowed: false, status: { code, message, reason: code === 400 ? 'BadRequest' : 'Invalid' } });

/** One admission decision for a parsed request. Pure: the namespace's labels are looked up by the caller. */
export function admit(request: AdmissionRequest, config: InjectionConfig, namespaceLabels?: Record<string, string>): AdmissionResponse {
  const uid = request.uid;
  const { group, version, kind } = request.kind;
  // Only pod creation is injected; anything else the rules let through passes unchanged.
  if (group !== '' || version !== 'v1' || kind !== 'Pod' || request.operation !== 'CREATE' || request.subResource) return allow(uid);
  const pod = checkPod(request.object);
  if (!pod.ok) return deny(uid, 400, `malformed Pod: ${pod.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
  const context: InjectionContext = {
    ...(request.namespace ? { namespace: request.namespace } : {}),
    ...(namespaceLabels ? { namespaceLabels } : {}),
  };
  const result = injectPod(pod.value, config, context);
  if (!result.ok) {
    const message = `Trellis sidecar injection refused: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
    return config.failOpen ? allow(uid, [`${message} (the pod was admitted without a sidecar)`]) : deny(uid, 422, message);
  }
  if (result.value.patch.length === 0) return allow(uid);
  return { uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(result.value.patch)).toString('base64') };
}

export function reviewOf(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
