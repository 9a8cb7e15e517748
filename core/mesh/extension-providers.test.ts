import { describe, expect, it } from 'vitest';
import { MeshSettingsSchema } from './mesh-settings.ts';

const settings = (provider: Record<string, unknown>) => ({ extensionProviders: [{ name: 'authz', ...provider }] });
const errorsOf = (input: unknown) => {
  const result = MeshSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
};

describe('mesh settings extensionProviders', () => {
  it('accepts every field of both kinds', () => {
    const http = {
      service: 'security/authz.security.svc.cluster.local',
      port: 8000,
      timeout: '1.5s',
      pathPrefix: '/check',
      failOpen: true,
      statusOnError: '503',
      includeRequestHeadersInCheck: ['x-allow', 'x-user-*', '*-token'],
      includeAdditionalHeadersInCheck: { 'x-from': 'mesh' },
      headersToUpstreamOnAllow: ['x-user-id'],
      headersToDownstreamOnDeny: ['x-reason'],
      headersToDownstreamOnAllow: ['x-checked'],
      includeRequestBodyInCheck: { maxRequestBytes: 4096, allowPartialMessage: true, packAsBytes: false },
      clearRouteCache: true,
    };
    expect(errorsOf(settings({ envoyExtAuthzHttp: http }))).toEqual([]);
    expect(errorsOf(settings({ envoyExtAuthzGrpc: { service: '10.0.0.1', port: 9191, timeout: '500ms', failOpen: false, statusOnError: '403' } }))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['an unknown field', { envoyExtAuthzHttp: { service: 'a.b', port: 80, failClosed: true } }, 'extensionProviders.0.envoyExtAuthzHttp'],
    ['an HTTP-only field on gRPC', { envoyExtAuthzGrpc: { service: 'a.b', port: 80, pathPrefix: '/x' } }, 'extensionProviders.0.envoyExtAuthzGrpc'],
    ['no kind', {}, 'extensionProviders.0'],
    ['an unknown kind', { datadog: { service: 'a.b', port: 80 } }, 'extensionProviders.0'],
    ['a service that is no host', { envoyExtAuthzHttp: { service: 'bad host!', port: 80 } }, 'extensionProviders.0.envoyExtAuthzHttp.service'],
    ['a wildcard service', { envoyExtAuthzHttp: { service: '*.example.com', port: 80 } }, 'extensionProviders.0.envoyExtAuthzHttp.service'],
    ['port 0', { envoyExtAuthzGrpc: { service: 'a.b', port: 0 } }, 'extensionProviders.0.envoyExtAuthzGrpc.port'],
    ['a missing port', { envoyExtAuthzGrpc: { service: 'a.b' } }, 'extensionProviders.0.envoyExtAuthzGrpc.port'],
    ['a timeout that is no duration', { envoyExtAuthzGrpc: { service: 'a.b', port: 80, timeout: '10' } }, 'extensionProviders.0.envoyExtAuthzGrpc.timeout'],
    ['a status Envoy has no code for', { envoyExtAuthzGrpc: { service: 'a.b', port: 80, statusOnError: '299' } }, 'extensionProviders.0.envoyExtAuthzGrpc.statusOnError'],
    ['a path prefix without /', { envoyExtAuthzHttp: { service: 'a.b', port: 80, pathPrefix: 'check' } }, 'extensionProviders.0.envoyExtAuthzHttp.pathPrefix'],
    ['a header pattern with two wildcards', { envoyExtAuthzHttp: { service: 'a.b', port: 80, includeRequestHeadersInCheck: ['*x*'] } }, 'extensionProviders.0.envoyExtAuthzHttp.includeRequestHeadersInCheck.0'],
    ['a body check without a size', { envoyExtAuthzGrpc: { service: 'a.b', port: 80, includeRequestBodyInCheck: { allowPartialMessage: true } } }, 'extensionProviders.0.envoyExtAuthzGrpc.includeRequestBodyInCheck.maxRequestBytes'],
    ['an oversized header list', { envoyExtAuthzHttp: { service: 'a.b', port: 80, headersToUpstreamOnAllow: Array.from({ length: 65 }, (_, i) => `x-${i}`) } }, 'extensionProviders.0.envoyExtAuthzHttp.headersToUpstreamOnAllow'],
  ])('refuses %s at its path', (_name, provider, path) => {
    expect(errorsOf(settings(provider)).map((e) => e.path)).toContain(path);
  });

  it('refuses a name defined twice, and more than 64 providers', () => {
    const one = { name: 'authz', envoyExtAuthzGrpc: { service: 'a.b', port: 80 } };
    expect(errorsOf({ extensionProviders: [one, one] })).toContainEqual({ path: 'extensionProviders.1.name', message: 'provider "authz" is defined twice' });
    expect(errorsOf({ extensionProviders: Array.from({ length: 65 }, (_, i) => ({ ...one, name: `p${i}` })) }).map((e) => e.path)).toContain('extensionProviders');
  });
});
