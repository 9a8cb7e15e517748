import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';

const telemetry = (spec: unknown, apiVersion = 'telemetry.istio.io/v1') => ({ apiVersion, kind: 'Telemetry', metadata: { name: 't', namespace: 'shop' }, spec });
const errorsOf = (input: unknown) => {
  const r = parseResource(input);
  return r.ok ? [] : r.errors;
};

describe('Telemetry', () => {
  it('is stored as telemetry.istio.io/v1, from v1 or v1alpha1, with every translated field', () => {
    const spec = {
      selector: { matchLabels: { app: 'web' } },
      accessLogging: [{ match: { mode: 'SERVER' }, providers: [{ name: 'stdout' }], filter: { expression: 'response.code >= 400 || request.headers["x-debug"] == "1"' } }, { match: { mode: 'CLIENT' }, disabled: true }],
      tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 12.5, disableSpanReporting: false, customTags: { team: { literal: { value: 'shop' } }, user: { header: { name: 'x-user', defaultValue: 'anon' } }, pod: { environment: { name: 'POD_NAME' } } } }],
      metrics: [{ providers: [{ name: 'prometheus' }] }],
    };
    for (const apiVersion of ['telemetry.istio.io/v1', 'telemetry.istio.io/v1alpha1']) {
      const r = parseResource(telemetry(spec, apiVersion));
      expect(r.ok && r.value).toMatchObject({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', spec });
    }
    const empty = parseResource({ apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 'mesh-default', namespace: 'istio-system' } });
    expect(empty.ok && empty.value.spec).toEqual({});
  });

  it('refuses other API versions', () => {
    expect(errorsOf(telemetry({}, 'telemetry.istio.io/v1beta1'))[0]).toMatchObject({ path: 'apiVersion', message: expect.stringContaining('telemetry.istio.io/v1, telemetry.istio.io/v1alpha1') });
  });

  it.each([
    ['a filter that is not CEL', { accessLogging: [{ filter: { expression: 'response.code >=' } }] }, 'spec.accessLogging[0].filter.expression', /^not a CEL expression: at 1:/],
    ['two tracing providers', { tracing: [{ providers: [{ name: 'a' }, { name: 'b' }] }] }, 'spec.tracing[0].providers', /at most one tracing provider/],
    ['two tracing entries for one mode', { tracing: [{ match: { mode: 'CLIENT' } }, {}] }, 'spec.tracing[1].match.mode', /tracing\[0\] already configures CLIENT/],
    ['a custom tag with two sources', { tracing: [{ customTags: { t: { literal: { value: 'a' }, header: { name: 'x' } } } }] }, 'spec.tracing[0].customTags.t', /exactly one of literal, environment and header/],
    ['a custom tag with no source', { tracing: [{ customTags: { t: {} } }] }, 'spec.tracing[0].customTags.t', /exactly one/],
    ['a sampling rate above 100', { tracing: [{ randomSamplingPercentage: 100.5 }] }, 'spec.tracing[0].randomSamplingPercentage', /100/],
    ['a negative sampling rate', { tracing: [{ randomSamplingPercentage: -1 }] }, 'spec.tracing[0].randomSamplingPercentage', /0/],
    ['an unknown mode', { accessLogging: [{ match: { mode: 'BOTH' } }] }, 'spec.accessLogging[0].match.mode', /CLIENT_AND_SERVER/],
    ['a bad environment variable name', { tracing: [{ customTags: { t: { environment: { name: 'A-B' } } } }] }, 'spec.tracing[0].customTags.t.environment.name', /environment variable/],
    ['selector and targetRefs together', { selector: { matchLabels: { a: 'b' } }, targetRefs: [{ kind: 'Gateway', name: 'g' }] }, 'spec.targetRefs', /only one of selector and targetRefs/],
    ['an unknown field', { tracing: [{ sampling: 5 }] }, 'spec.tracing[0].sampling', /unsupported/],
    ['an oversized filter', { accessLogging: [{ filter: { expression: 'a'.repeat(4097) } }] }, 'spec.accessLogging[0].filter.expression', /4096/],
  ])('refuses %s at its path', (_name, spec, path, message) => {
    expect(errorsOf(telemetry(spec))).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it.each([
    ['targetRefs', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' }] }, 'spec.targetRefs'],
    ['a custom metric override', { metrics: [{ overrides: [{ match: { customMetric: 'my_metric' }, disabled: true }] }] }, 'spec.metrics[0].overrides[0].match.customMetric'],
    ['a tag UPSERT (the default operation)', { metrics: [{ overrides: [{ tagOverrides: { cluster: { value: 'node.metadata.CLUSTER_ID' } } }] }] }, 'spec.metrics[0].overrides[0].tagOverrides.cluster'],
    ['an explicit tag UPSERT', { metrics: [{ overrides: [{ tagOverrides: { cluster: { operation: 'UPSERT', value: '"a"' } } }] }] }, 'spec.metrics[0].overrides[0].tagOverrides.cluster'],
    ['a reporting interval', { metrics: [{ reportingInterval: '10s' }] }, 'spec.metrics[0].reportingInterval'],
    ['Istio tags', { tracing: [{ enableIstioTags: true }] }, 'spec.tracing[0].enableIstioTags'],
  ])('refuses %s as unsupported', (_name, spec, path) => {
    expect(errorsOf(telemetry(spec))).toEqual([{ path, message: expect.stringMatching(/unsupported/) }]);
  });

  it('accepts metric overrides the agent honours: disabled metrics and removed tags, per mode', () => {
    const spec = { metrics: [{ providers: [{ name: 'prometheus' }], overrides: [{ match: { metric: 'REQUEST_COUNT', mode: 'CLIENT' }, disabled: true }, { tagOverrides: { request_protocol: { operation: 'REMOVE' } } }] }] };
    expect(errorsOf(telemetry(spec))).toEqual([]);
  });
});
