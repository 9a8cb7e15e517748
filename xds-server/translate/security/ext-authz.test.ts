import { describe, expect, it } from 'vitest';
import type { ExtensionProvider } from '../../../core/mesh/extension-providers.ts';
import type { IstioResource } from '../../../core/resources/index.ts';
import { buildMeshIndex } from '../mesh/build-mesh-index.ts';
import { istio, meshService, sidecar } from '../testing/resources.ts';
import type { TranslationIssue } from '../translation-result.ts';
import { inboundSecurity } from './inbound-security.ts';

const custom = (provider: string, extra: Record<string, unknown> = {}) => istio('AuthorizationPolicy', 'shop', 'checked', { action: 'CUSTOM', provider: { name: provider }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }], ...extra });
const http = (service: string, port = 80): ExtensionProvider => ({ name: 'authz', envoyExtAuthzHttp: { service, port } });
const grpc = (service: string, port = 80): ExtensionProvider => ({ name: 'authz', envoyExtAuthzGrpc: { service, port } });
const proxy = sidecar('shop', { labels: { app: 'web' }, inbound: { port: 8080, bindAddress: '127.0.0.1' } });

function translate(resources: IstioResource[], providers: ExtensionProvider[]) {
  const index = buildMeshIndex({ tenantId: 't', mesh: 'm', revision: 1, settings: { extensionProviders: providers }, resources, workloads: [] });
  const issues: TranslationIssue[] = [];
  const security = inboundSecurity(index, proxy, 8080, issues);
  const names = security.httpFilters.map((f) => f['name']);
  return { security, issues, names, json: JSON.stringify(security.httpFilters) };
}

describe('CUSTOM AuthorizationPolicy translation', () => {
  it('a mesh service provider: shadow RBAC then ext_authz through its outbound cluster, no cluster of its own', () => {
    const { security, issues, names, json } = translate([meshService('security', 'authz'), custom('authz')], [http('authz.security.svc.cluster.local')]);
    expect(issues).toEqual([]);
    expect(names).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz']);
    expect(json).toContain('"cluster":"outbound|80||authz.security.svc.cluster.local"');
    expect(json).toContain('"shadow_rules"');
    expect(security.clusters).toEqual([]);
  });

  it('a host outside the registry: a cluster of its own, HTTP/2 for gRPC', () => {
    const { security, json } = translate([custom('authz')], [grpc('opa.example.com', 9191)]);
    expect(json).toContain('"cluster_name":"ext-authz|opa.example.com|9191"');
    expect(security.clusters.map((c) => [c.name, c.resource['type']])).toEqual([['ext-authz|opa.example.com|9191', 'STRICT_DNS']]);
    expect(JSON.stringify(security.clusters[0]?.resource)).toContain('http2_protocol_options');
  });

  it.each<[string, IstioResource[], ExtensionProvider[], string]>([
    ['a provider the mesh does not define', [custom('other')], [http('authz.example.com')], 'provider "other" is not one of the mesh\'s extensionProviders'],
    ['a mesh service not exported to the proxy', [meshService('security', 'authz', { exportTo: ['.'] }), custom('authz')], [http('authz.security.svc.cluster.local')], 'is not exported to namespace shop'],
    ['a port the mesh service has not', [meshService('security', 'authz'), custom('authz')], [http('authz.security.svc.cluster.local', 81)], 'has no port 81'],
    [
      'a mesh service outside the Sidecar scope',
      [meshService('security', 'authz'), custom('authz'), istio('Sidecar', 'shop', 'default', { egress: [{ hosts: ['./*'] }] })],
      [http('authz.security.svc.cluster.local')],
      'is outside the Sidecar scope',
    ],
    ['two providers on one workload', [custom('authz'), { ...custom('other'), metadata: { name: 'second', namespace: 'shop' } }], [http('authz.example.com')], 'name 2 providers (authz, other)'],
  ])('%s fails closed: the CUSTOM rules deny, and an issue says why', (_name, resources, providers, message) => {
    const { issues, names, json } = translate(resources, providers);
    expect(names).toEqual(['envoy.filters.http.rbac']);
    expect(json).toContain('"rules":{"action":"DENY"');
    expect(json).toContain('istio-ext-authz-ns[shop]-policy[checked]-rule[0]');
    expect(issues).toContainEqual(expect.objectContaining({ resource: 'AuthorizationPolicy/shop/checked', field: 'spec.provider.name', message: expect.stringContaining(message) }));
  });

  it('a gRPC provider on a port not declared GRPC is served with a warning', () => {
    const { issues, names } = translate([meshService('security', 'authz'), custom('authz')], [grpc('authz.security.svc.cluster.local')]);
    expect(names).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz']);
    expect(issues).toEqual([expect.objectContaining({ message: expect.stringContaining('not declared GRPC or HTTP2') })]);
  });

  it('CUSTOM without rules checks nothing; a CUSTOM policy for other workloads does not apply', () => {
    expect(translate([custom('authz', { rules: [] })], [http('authz.example.com')]).names).toEqual([]);
    expect(translate([custom('authz', { selector: { matchLabels: { app: 'other' } } })], [http('authz.example.com')]).names).toEqual([]);
  });

  it('comes before DENY and ALLOW', () => {
    const deny = istio('AuthorizationPolicy', 'shop', 'deny', { action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin'] } }] }] });
    const allow = istio('AuthorizationPolicy', 'shop', 'allow', { rules: [{}] });
    const { security } = translate([allow, deny, custom('authz')], [http('authz.example.com')]);
    const kinds = security.httpFilters.map((f) => {
      const config = f['typed_config'] as { shadow_rules?: unknown; rules?: { action: string } };
      return config.shadow_rules ? 'shadow' : (config.rules?.action ?? String(f['name']));
    });
    expect(kinds).toEqual(['shadow', 'envoy.filters.http.ext_authz', 'DENY', 'ALLOW']);
  });
});
