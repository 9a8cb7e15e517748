import { describe, expect, it } from 'vitest';
import { accessLogFormatProblem } from './access-log-format.ts';
import { MeshSettingsSchema } from './mesh-settings.ts';

const errorsOf = (input: unknown) => {
  const result = MeshSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

const PROVIDERS = [
  { name: 'stdout', envoyFileAccessLog: { path: '/dev/stdout' } },
  { name: 'json', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: { code: '%RESPONSE_CODE%', path: '%REQ(:PATH)%', start: '%START_TIME(%Y-%m-%dT%H:%M:%SZ)%' } } } },
  { name: 'text', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: '[%START_TIME%] %REQ(:METHOD)% %RESPONSE_CODE% 100%% %DURATION%%BYTES_SENT%\n' } } },
  { name: 'zipkin', zipkin: { service: 'zipkin.observability.svc.cluster.local', port: 9411, maxTagLength: 512, enable64bitTraceId: false, path: '/api/v2/spans' } },
  { name: 'otel', opentelemetry: { service: 'observability/otel.observability.svc.cluster.local', port: 4318, http: { path: '/v1/traces', timeout: '2s', headers: [{ name: 'x-tenant', value: 'shop' }] } } },
  { name: 'prom', prometheus: {} },
];

describe('telemetry extensionProviders and defaultProviders', () => {
  it('accepts every telemetry provider kind and default providers that serve their signal', () => {
    expect(errorsOf({ extensionProviders: PROVIDERS, defaultProviders: { accessLogging: ['stdout'], tracing: ['zipkin'], metrics: ['prom'] } })).toEqual([]);
  });

  it('refuses access-log files other than the proxy log stream, at the path', () => {
    for (const path of ['/dev/stderr', '/var/log/x.log', '/etc/passwd', '/dev/stdout/../../etc/passwd', 'relative.log', '']) {
      expect(errorsOf({ extensionProviders: [{ name: 'f', envoyFileAccessLog: { path } }] })).toEqual([{ path: 'extensionProviders.0.envoyFileAccessLog.path', message: expect.stringContaining('/dev/stdout only') }]);
    }
  });

  it('refuses unknown command operators and lone percent signs in formats', () => {
    expect(errorsOf({ extensionProviders: [{ name: 'f', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: '%NOT_AN_OPERATOR%' } } }] })).toEqual([
      { path: 'extensionProviders.0.envoyFileAccessLog.logFormat.text', message: '%NOT_AN_OPERATOR% is not an Envoy access-log command operator Trellis allows' },
    ]);
    expect(errorsOf({ extensionProviders: [{ name: 'f', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: { rate: '50%' } } } }] })).toEqual([{ path: 'extensionProviders.0.envoyFileAccessLog.logFormat.labels.rate', message: expect.stringContaining('lone "%"') }]);
    expect(accessLogFormatProblem('%REQ(:PATH):64% %RESP(X-Y)% %%')).toBeUndefined();
    expect(accessLogFormatProblem('%REQ(:PATH)')).toMatch(/lone/);
    expect(errorsOf({ extensionProviders: [{ name: 'f', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: 'a', labels: { a: 'b' } } } }] })[0]?.message).toBe('set text or labels, not both');
    expect(errorsOf({ extensionProviders: [{ name: 'f', envoyFileAccessLog: { path: '/dev/stdout', logFormat: { text: 'x'.repeat(4097) } } }] })[0]?.path).toBe('extensionProviders.0.envoyFileAccessLog.logFormat.text');
  });

  it('accepts envoyOtelAls (OTLP/gRPC access logs) and refuses its bad fields at their paths', () => {
    expect(errorsOf({ extensionProviders: [{ name: 'als', envoyOtelAls: { service: 'otel.observability.svc.cluster.local', port: 4317, logName: 'mesh', logFormat: { labels: { code: '%RESPONSE_CODE%' } } } }] })).toEqual([]);
    expect(errorsOf({ extensionProviders: [{ name: 'als', envoyOtelAls: { service: 'otel.a', port: 70_000 } }] })[0]?.path).toBe('extensionProviders.0.envoyOtelAls.port');
    expect(errorsOf({ extensionProviders: [{ name: 'als', envoyOtelAls: { service: 'otel.a', port: 4317, logFormat: { text: '%NOPE%' } } }] })[0]?.path).toBe('extensionProviders.0.envoyOtelAls.logFormat.text');
    expect(errorsOf({ extensionProviders: [{ name: 'als', envoyOtelAls: { service: 'otel.a', port: 4317, http: {} } }] })[0]?.path).toBe('extensionProviders.0.envoyOtelAls');
  });

  it('refuses providers Trellis does not translate, unknown fields and bad hosts at their paths', () => {
    expect(errorsOf({ extensionProviders: [{ name: 'dd', datadog: { service: 'dd', port: 8126 } }] }).map((e) => e.path)).toContain('extensionProviders.0');
    expect(errorsOf({ extensionProviders: [{ name: 'z', zipkin: { service: 'z.a', port: 9411, traceContextOption: 'USE_B3' } }] })).toEqual([{ path: 'extensionProviders.0.zipkin', message: expect.stringContaining('traceContextOption') }]);
    expect(errorsOf({ extensionProviders: [{ name: 'z', zipkin: { service: 'bad host!', port: 9411 } }] })[0]?.path).toBe('extensionProviders.0.zipkin.service');
    expect(errorsOf({ extensionProviders: [{ name: 'z', zipkin: { service: 'z.a', port: 0 } }] })[0]?.path).toBe('extensionProviders.0.zipkin.port');
    expect(errorsOf({ extensionProviders: [{ name: 'two', zipkin: { service: 'z.a', port: 1 }, prometheus: {} }] })[0]?.message).toMatch(/^set exactly one of/);
  });

  it('refuses default providers that are missing or serve another signal', () => {
    expect(errorsOf({ extensionProviders: PROVIDERS, defaultProviders: { accessLogging: ['zipkin', 'nope'], tracing: ['stdout'], metrics: ['otel'] } })).toEqual([
      { path: 'defaultProviders.accessLogging.0', message: 'provider "zipkin" is not a accessLogging provider (envoyFileAccessLog or envoyOtelAls)' },
      { path: 'defaultProviders.accessLogging.1', message: 'provider "nope" is not one of the mesh\'s extensionProviders' },
      { path: 'defaultProviders.tracing.0', message: 'provider "stdout" is not a tracing provider (zipkin or opentelemetry)' },
      { path: 'defaultProviders.metrics.0', message: 'provider "otel" is not a metrics provider (prometheus)' },
    ]);
    expect(errorsOf({ extensionProviders: PROVIDERS, defaultProviders: { tracing: ['zipkin', 'otel'] } })[0]?.path).toBe('defaultProviders.tracing');
  });
});
