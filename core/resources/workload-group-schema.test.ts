import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACCEPTED_VERSIONS } from './kinds.ts';
import { parseResource } from './parse-resource.ts';

type Obj = Record<string, unknown>;

// Shaped like the WorkloadGroup examples of Istio's reference docs: labels under spec.metadata.
const reviewsVms = parse(`
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata:
  name: reviews-vms
  namespace: shop
spec:
  metadata:
    labels:
      app.kubernetes.io/name: reviews
      app.kubernetes.io/version: "1.3.4"
    annotations:
      example.com/owner: reviews-team
  template:
    ports:
      grpc: 3550
      http: 8080
    serviceAccount: reviews
    locality: eu-west-1/eu-west-1a
    weight: 10
`) as Obj;

const group = (spec: Obj, apiVersion = 'networking.istio.io/v1'): Obj => ({ apiVersion, kind: 'WorkloadGroup', metadata: { name: 'vms', namespace: 'shop' }, spec });
const template = (t: Obj): Obj => group({ template: { serviceAccount: 'reviews', ...t } });
const probe = (p: Obj): Obj => group({ template: { serviceAccount: 'reviews' }, probe: p });

const errorsOf = (input: unknown) => {
  const result = parseResource(input);
  if (result.ok) expect.fail(`accepted ${JSON.stringify(input)}`);
  return result.errors;
};

describe('WorkloadGroup', () => {
  it.each(ACCEPTED_VERSIONS)('accepts the Istio documentation shape as %s and stores it as v1, spec unchanged', (version) => {
    const input = { ...structuredClone(reviewsVms), apiVersion: `networking.istio.io/${version}` };
    const result = parseResource(input);
    expect(result).toMatchObject({ ok: true, value: { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { name: 'reviews-vms', namespace: 'shop' } } });
    if (result.ok) expect(result.value.spec).toEqual(reviewsVms['spec']);
  });

  it('accepts a template with labels and no spec.metadata', () => {
    expect(parseResource(template({ labels: { app: 'reviews', version: 'v2' }, ports: { http: 9080 } }))).toMatchObject({ ok: true });
  });

  it('is refused from the security API group', () => {
    expect(errorsOf({ ...reviewsVms, apiVersion: 'security.istio.io/v1' })).toEqual([expect.objectContaining({ path: 'apiVersion' })]);
  });

  it.each<[string, Obj, string, string]>([
    ['no template', group({ metadata: { labels: { app: 'reviews' } } }), 'spec.template', 'required'],
    ['a template address', template({ address: '10.0.0.7' }), 'spec.template.address', 'each workload registers with its own address'],
    ['a service account that is not a DNS label', template({ serviceAccount: 'reviews.v1' }), 'spec.template.serviceAccount', 'DNS-1123 label'],
    ['an empty service account', template({ serviceAccount: '' }), 'spec.template.serviceAccount', 'DNS-1123 label'],
    ['a service account of 64 characters', template({ serviceAccount: 'a'.repeat(64) }), 'spec.template.serviceAccount', 'the limit is 63'],
    ['a port out of range', template({ ports: { http: 70000 } }), 'spec.template.ports.http', 'between 1 and 65535'],
    ['a port that is not a number', template({ ports: { http: '8080' } }), 'spec.template.ports.http', 'expected number'],
    ['a bad port name', template({ ports: { 'http/1': 8080 } }), 'spec.template.ports["http/1"]', 'port name'],
    ['a bad template label key', template({ labels: { 'bad key': 'x' } }), 'spec.template.labels["bad key"]', 'key "bad key"'],
    ['a template label value too long', template({ labels: { app: 'x'.repeat(64) } }), 'spec.template.labels.app', 'at most 63'],
    ['a bad metadata label value', group({ metadata: { labels: { app: 'two words' } }, template: {} }), 'spec.metadata.labels.app', 'label value'],
    ['a bad annotation key', group({ metadata: { annotations: { 'Example.COM/x': 'y' } }, template: {} }), 'spec.metadata.annotations["Example.COM/x"]', 'DNS-1123 subdomain'],
    ['a negative weight', template({ weight: -1 }), 'spec.template.weight', ''],
    ['labels as a list', template({ labels: ['app=reviews'] }), 'spec.template.labels', 'expected record'],
  ])('rejects %s at its path', (_name, input, path, fragment) => {
    const atPath = errorsOf(input).filter((e) => e.path === path);
    if (atPath.length === 0) expect.fail(`no error at ${path}; got ${JSON.stringify(errorsOf(input))}`);
    expect(atPath.map((e) => e.message).join(' | ')).toContain(fragment);
  });

  it.each<[string, Obj, string]>([
    ['in spec', group({ template: {}, selector: { app: 'reviews' } }), 'spec.selector'],
    ['in the template', template({ serviceAcount: 'reviews' }), 'spec.template.serviceAcount'],
    ['in spec.metadata', group({ metadata: { name: 'x' }, template: {} }), 'spec.metadata.name'],
    ['in the probe', probe({ httpGet: { port: 80, verb: 'GET' } }), 'spec.probe.httpGet.verb'],
  ])('rejects an unknown field %s', (_name, input, path) => {
    expect(errorsOf(input)).toContainEqual({ path, message: 'unsupported (unknown to this version of Trellis)' });
  });

  it.each<[string, Obj]>([
    ['httpGet', { initialDelaySeconds: 5, timeoutSeconds: 3, periodSeconds: 4, successThreshold: 3, failureThreshold: 3, httpGet: { path: '/ready', host: '127.0.0.1', port: 3100, scheme: 'HTTPS', httpHeaders: [{ name: 'X-Check', value: 'yes' }] } }],
    ['tcpSocket', { periodSeconds: 10, tcpSocket: { host: '127.0.0.1', port: 9080 } }],
    ['exec', { exec: { command: ['/bin/check', '--ready'] } }],
    ['grpc', { grpc: { port: 9090, service: 'grpc.health.v1.Health' } }],
  ])('accepts a %s probe in the schema and refuses it as unsupported at spec.probe', (_name, p) => {
    expect(errorsOf(probe(p))).toEqual([{ path: 'spec.probe', message: expect.stringMatching(/^unsupported: .*health probes/) }]);
  });

  it.each<[string, Obj, string]>([
    ['a probe port out of range', { tcpSocket: { port: 0 } }, 'spec.probe.tcpSocket.port'],
    ['a negative period', { periodSeconds: -4, exec: { command: ['true'] } }, 'spec.probe.periodSeconds'],
    ['a command that is not a list', { exec: { command: '/bin/check' } }, 'spec.probe.exec.command'],
    ['an httpGet without a port', { httpGet: { path: '/ready' } }, 'spec.probe.httpGet.port'],
  ])('rejects %s as malformed before calling it unsupported', (_name, p, path) => {
    const errors = errorsOf(probe(p));
    expect(errors.map((e) => e.path)).toContain(path);
    expect(errors.every((e) => !e.message.includes('unsupported'))).toBe(true);
  });

  it('refuses a template network as unsupported', () => {
    expect(errorsOf(template({ network: 'vpc-1' }))).toEqual([{ path: 'spec.template.network', message: expect.stringContaining('unsupported') }]);
  });
});
