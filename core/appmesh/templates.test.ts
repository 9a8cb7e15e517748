import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResource } from '../resources/parse-resource.ts';
import { importAppMesh, type ImportOptions } from './import-appmesh.ts';
import type { ConversionResult } from './convert/convert.ts';

const DIR = path.join(import.meta.dirname, '../../test/fixtures/appmesh/templates');
const doc = (file: string) => ({ name: file, text: readFileSync(path.join(DIR, file), 'utf8') });

function convert(files: string[], options: ImportOptions = {}): ConversionResult {
  const result = importAppMesh(files.map(doc), options);
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.value;
}

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads deep into emitted specs
const spec = (value: ConversionResult, kind: string, name: string): Spec => {
  const r = value.resources.find((x) => x.kind === kind && x.metadata.name === name);
  if (!r) throw new Error(`no ${kind}/${name} in ${value.resources.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return r.spec as Spec;
};
const outcomes = (value: ConversionResult) => Object.fromEntries(value.report.resources.map((r) => [r.source, r.outcome]));

// Every fixture template, with the flags it needs; each must convert fully and be accepted by the API.
const FULL: [string, string[], ImportOptions][] = [
  ['typed parameters', ['typed-parameters.cfn.yaml'], {}],
  ['conditional TLS', ['conditional-tls.cfn.yaml'], {}],
  ['an import from a network stack', ['app-on-network.cfn.yaml', 'network.cfn.yaml'], {}],
  ['underscore names', ['underscore-names.cfn.yaml'], {}],
  ['gateway routes', ['gateway-routes.cfn.yaml'], {}],
  ['gRPC and HTTP/2 routes', ['grpc-http2-routes.cfn.yaml'], {}],
  ['values only the caller has', ['ssm-parameters.cfn.yaml'], { parameters: { MeshName: 'platform', ListenerPorts: '9100,9200', ServicePort: '8443', Tier: 'gold' }, imports: { SharedServicesDomain: 'corp.internal' } }],
  ['a gateway in front of virtual routers', ['gateway-router.cfn.yaml'], {}],
  ['a gRPC gateway with TLS from a condition', ['gateway-tls-grpc.cfn.yaml'], {}],
  ['a gRPC gateway with the condition turning TLS off', ['gateway-tls-grpc.cfn.yaml'], { parameters: { EnableTls: 'false' } }],
];

describe('App Mesh CloudFormation templates', () => {
  it.each(FULL)('converts %s fully, every resource accepted by the API', (_what, files, options) => {
    const value = convert(files, options);
    expect(value.report.notConverted()).toEqual([]);
    expect(value.resources.length).toBeGreaterThan(0);
    for (const r of value.resources) expect(parseResource(r).ok, `${r.kind}/${r.metadata.name}: ${JSON.stringify(parseResource(r))}`).toBe(true);
    const coverage = value.report.coverage();
    for (const kind of new Set(value.report.resources.map((r) => r.kind))) expect(coverage[kind], kind).toBeDefined();
  });

  describe('a gRPC virtual gateway whose TLS a condition turns on', () => {
    it('terminates TLS on an HTTPS server (what carries gRPC over TLS) with the files under CertDir', () => {
      const value = convert(['gateway-tls-grpc.cfn.yaml'], { parameters: { CertDir: '/run/edge' } });
      expect(spec(value, 'Gateway', 'edge-gw').servers).toEqual([{ port: { number: 8443, name: 'grpc-8443', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', serverCertificate: '/run/edge/cert.pem', privateKey: '/run/edge/key.pem' } }]);
      const route = spec(value, 'VirtualService', 'prices-pricing-local').http[0];
      expect(route).toMatchObject({ retries: { attempts: 3, perTryTimeout: '800ms', retryOn: 'unavailable' } });
      expect(route.route.map((d: Spec) => d.weight)).toEqual([90, 10]);
      // The host apps call keeps its '_'; the resource names do not.
      expect(spec(value, 'ServiceEntry', 'price-feed-pricing-local').hosts).toEqual(['price_feed.pricing.local']);
    });

    it('serves plaintext gRPC when EnableTls is false (AWS::NoValue removes the TLS property)', () => {
      const value = convert(['gateway-tls-grpc.cfn.yaml'], { parameters: { EnableTls: 'false' } });
      expect(spec(value, 'Gateway', 'edge-gw').servers).toEqual([{ port: { number: 8443, name: 'grpc-8443', protocol: 'GRPC' }, hosts: ['*'] }]);
      expect(value.report.entries.some((e) => e.field.includes('.tls'))).toBe(false);
    });
  });

  describe('typed parameters', () => {
    it('gives Number parameters as numbers, lists as lists, and takes Mappings and AllowedValues', () => {
      const value = convert(['typed-parameters.cfn.yaml']);
      expect(value.meshSettings).toEqual({ 'shop-staging': { namespace: 'shop-staging', settings: { outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } } });
      // GatewayPort (Number, Default 8080) is the number 8080 on the gateway listener.
      expect(spec(value, 'Gateway', 'edge').servers).toEqual([{ port: { number: 8080, name: 'http-8080', protocol: 'HTTP' }, hosts: ['*'] }]);
      // AppPorts (List<Number>) and Colors (CommaDelimitedList) through Fn::Select and Fn::Join.
      expect(spec(value, 'WorkloadEntry', 'catalog-amber')).toMatchObject({ address: 'catalog-amber.shop.local', ports: { 'http-9080': 9080 } });
      expect(spec(value, 'WorkloadEntry', 'catalog-teal')).toMatchObject({ address: 'catalog-teal.shop.local' });
      const route = spec(value, 'VirtualService', 'catalog-shop-local').http[0];
      expect(route).toMatchObject({ timeout: '30s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx' } });
      expect(route.route.map((d: Spec) => [d.destination.subset, d.weight])).toEqual([['catalog-amber', 75], ['catalog-teal', 25]]);
    });

    it('takes --parameter over the defaults, and checks it', () => {
      const prod = convert(['typed-parameters.cfn.yaml'], { parameters: { Environment: 'production', GatewayPort: '443' } });
      expect(Object.keys(prod.meshSettings)).toEqual(['shop-production']);
      expect(spec(prod, 'Gateway', 'edge').servers[0].port.number).toBe(443);
      expect(spec(prod, 'VirtualService', 'catalog-shop-local').http[0].timeout).toBe('5s');
      const bad = importAppMesh([doc('typed-parameters.cfn.yaml')], { parameters: { Environment: 'qa', GatewayPort: 'http', MeshName: 'Shop!' } });
      expect(bad.ok).toBe(false);
      if (bad.ok) return;
      expect(bad.errors.map((e) => e.message).join('\n')).toMatch(/"qa" is not one of the AllowedValues staging, production/);
      expect(bad.errors.map((e) => e.message).join('\n')).toMatch(/parameter GatewayPort \(Number\) from --parameter GatewayPort: "http" is not a number/);
      expect(bad.errors.map((e) => e.message).join('\n')).toMatch(/"Shop!" does not match the AllowedPattern/);
    });

    it('refuses a --parameter no template declares', () => {
      const result = importAppMesh([doc('typed-parameters.cfn.yaml')], { parameters: { GatwayPort: '80' } });
      expect(result.ok || result.errors).toEqual([{ path: '--parameter GatwayPort', message: 'no template given declares a parameter GatwayPort' }]);
    });
  });

  describe('conditions', () => {
    it('turns TLS on as the conditions say and skips a resource whose condition is false, saying so', () => {
      const value = convert(['conditional-tls.cfn.yaml']);
      expect(spec(value, 'PeerAuthentication', 'ledger').mtls).toEqual({ mode: 'PERMISSIVE' });
      expect(spec(value, 'DestinationRule', 'ledger-payments-local').trafficPolicy).toEqual({ tls: { mode: 'ISTIO_MUTUAL' } });
      expect(value.report.entries.some((e) => e.source === 'VirtualNode/payments/checkout' && e.field === 'spec.logging.accessLog')).toBe(true);
      expect(value.report.resources.find((r) => r.outcome === 'skipped')).toEqual({
        source: 'conditional-tls.cfn.yaml:Resources.AuditNode',
        kind: 'VirtualNode',
        outcome: 'skipped',
        reasons: ['its Condition IsProd is false, so CloudFormation would not create it'],
      });
      expect(value.workloads.map((w) => w.name)).not.toContain('audit');
    });

    it('removes the TLS properties with AWS::NoValue when TLS is off', () => {
      const value = convert(['conditional-tls.cfn.yaml'], { parameters: { EnableTls: 'false' } });
      expect(value.resources.filter((r) => r.kind === 'PeerAuthentication')).toEqual([]);
      expect(spec(value, 'DestinationRule', 'ledger-payments-local').trafficPolicy).toBeUndefined();
      expect(value.report.entries.some((e) => e.field === 'spec.logging.accessLog')).toBe(false);
    });

    it('evaluates Fn::And, Fn::Not and a resource condition that is true', () => {
      const value = convert(['conditional-tls.cfn.yaml'], { parameters: { Stage: 'prod', CertificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/abc' } });
      expect(spec(value, 'PeerAuthentication', 'ledger').mtls).toEqual({ mode: 'STRICT' });
      expect(value.report.entries.some((e) => e.source === 'VirtualNode/payments/ledger' && e.note.includes('the certificate came from ACM'))).toBe(true);
      expect(outcomes(value)['VirtualNode/payments/audit']).toBe('converted');
    });
  });

  describe('Fn::ImportValue', () => {
    it('reads the exports of the network stack given with a second -f', () => {
      const value = convert(['app-on-network.cfn.yaml', 'network.cfn.yaml']);
      expect(Object.keys(value.meshSettings)).toEqual(['inventory']);
      expect(spec(value, 'ServiceEntry', 'stock-inventory-internal').hosts).toEqual(['stock.inventory.internal']);
      expect(value.workloads.find((w) => w.name === 'stock')!.labels).toMatchObject({ 'cloudmap.appmesh.trellis.dev/stage': 'us-east-1' });
      // The defaults taken for pseudo parameters are stated.
      const assumed = value.report.entries.filter((e) => e.field === '(input)' && e.status === 'approximated').map((e) => e.note);
      expect(assumed).toContain('AWS::Region was not given: us-east-1 is assumed (--parameter AWS::Region=<region> sets it)');
      expect(assumed).toContain('AWS::StackName was not given: network is assumed (--parameter AWS::StackName=<stack name> sets it)');
    });

    it('takes --import over the exports, and pseudo parameters from --parameter', () => {
      const value = convert(['app-on-network.cfn.yaml', 'network.cfn.yaml'], { imports: { 'network-MeshName': 'warehouse' }, parameters: { 'AWS::Region': 'eu-west-1' } });
      expect(Object.keys(value.meshSettings)).toEqual(['warehouse']);
      expect(value.workloads.find((w) => w.name === 'stock')!.labels).toMatchObject({ 'cloudmap.appmesh.trellis.dev/stage': 'eu-west-1' });
    });

    it('names the --import flags when the network stack is not given', () => {
      const result = importAppMesh([doc('app-on-network.cfn.yaml')]);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.onlyMissingValues).toBe(true);
      expect(result.flags.sort()).toEqual(['--import network-MeshName=<value>', '--import network-ServicesDomain=<value>']);
    });
  });

  it('lists every unresolved reference at once, each with the flag that resolves it', () => {
    const result = importAppMesh([doc('ssm-parameters.cfn.yaml')]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.onlyMissingValues).toBe(true);
    expect(result.flags.sort()).toEqual([
      '--import SharedServicesDomain=<value>',
      '--parameter ListenerPorts=<value of SSM parameter /platform/listener-ports>',
      '--parameter MeshName=<value of SSM parameter /platform/mesh-name>',
      '--parameter ServicePort=<Number>',
      '--parameter Tier=<gold|silver>',
    ]);
    const byPath = Object.fromEntries(result.errors.map((e) => [e.path, e.message]));
    expect(byPath['ssm-parameters.cfn.yaml:Resources.LedgerNode.Properties.Spec.Listeners[0].PortMapping.Port']).toBe('parameter ServicePort (Number) has no value: it has no Default; pass --parameter ServicePort=<Number>');
    expect(byPath['ssm-parameters.cfn.yaml:Conditions.IsGold.Fn::Equals[0]']).toMatch(/parameter Tier .*pass --parameter Tier=<gold\|silver>/);
    expect(result.errors).toHaveLength(5);
  });

  it('converts once the caller gives those values', () => {
    const value = convert(['ssm-parameters.cfn.yaml'], FULL[6]![2]);
    expect(spec(value, 'WorkloadEntry', 'ledger')).toMatchObject({ address: 'ledger.corp.internal', ports: { 'http-8443': 8443 } });
    expect(spec(value, 'Sidecar', 'ledger').inboundConnectionPool).toEqual({ tcp: { maxConnections: 500 } });
    expect(spec(value, 'DestinationRule', 'ledger-internal').trafficPolicy).toBeUndefined();
    expect(spec(value, 'ServiceEntry', 'metrics-internal').ports).toEqual([{ number: 9200, name: 'tcp-9200', protocol: 'TCP' }]);
  });

  describe('names that are not DNS labels', () => {
    it('keeps the host apps call and maps names to DNS labels, listing every rename', () => {
      const value = convert(['underscore-names.cfn.yaml']);
      expect(spec(value, 'ServiceEntry', 'color-server-demo-local').hosts).toEqual(['color_server.demo.local']);
      expect(spec(value, 'VirtualService', 'color-server-demo-local').hosts).toEqual(['color_server.demo.local']);
      expect(spec(value, 'Sidecar', 'color-client').egress).toEqual([{ hosts: ['./color_server.demo.local'] }]);
      // color-server is a DNS label already and keeps it; color_server, which would collide with it, gets a hash.
      const subsets = spec(value, 'DestinationRule', 'color-server-demo-local').subsets.map((s: Spec) => s.name);
      expect(subsets).toHaveLength(2);
      expect(subsets).toContain('color-server');
      const renamed = value.report.renames.find((r) => r.from === 'color_server')!;
      expect(renamed.to).toMatch(/^color-server-[0-9a-f]{6}$/);
      expect(spec(value, 'WorkloadEntry', renamed.to).address).toBe('color_server.demo.local');
      expect(subsets).toContain(renamed.to);
      expect(value.report.renames.map((r) => `${r.from} → ${r.to}`)).toEqual(
        expect.arrayContaining(['color_mesh → color-mesh', 'color_client → color-client', `color_server → ${renamed.to}`, 'color_router → color-router', 'color_route → color-route']),
      );
      expect(value.report.renames.some((r) => r.from === 'color-server')).toBe(false);
      expect(value.workloads.find((w) => w.name === 'color_client')!.labels).toEqual({ 'appmesh.trellis.dev/virtual-node': 'color-client' });
    });
  });

  it('orders gateway routes by priority and converts HTTP, HTTP/2 and gRPC gateway routes', () => {
    const value = convert(['gateway-routes.cfn.yaml']);
    expect(spec(value, 'Gateway', 'storefront-gw').servers.map((s: Spec) => s.port)).toEqual([
      { number: 8080, name: 'http-8080', protocol: 'HTTP' },
      { number: 8090, name: 'grpc-8090', protocol: 'GRPC' },
    ]);
    const http = spec(value, 'VirtualService', 'storefront-gw-gateway-routes').http;
    expect(http.map((r: Spec) => r.name)).toEqual(['api', 'web', 'cart']);
    expect(http[0]).toMatchObject({
      match: [{ authority: { regex: '.*\\.storefront\\.example(:[0-9]+)?' }, headers: { 'x-api-version': { exact: '2' } }, uri: { prefix: '/api/' } }],
      rewrite: { uriRegexRewrite: { match: '^/api/?', rewrite: '/v2/' }, authority: 'api.storefront.local' },
      route: [{ destination: { host: 'api.storefront.local', port: { number: 3001 } } }],
    });
    expect(http[1].match).toEqual([{ port: 8080 }]);
    expect(http[2]).toMatchObject({ match: [{ port: 8090, uri: { prefix: '/storefront.Cart/' } }], route: [{ destination: { host: 'cart.storefront.local' } }] });
  });

  it('converts gRPC routes (service, method, metadata, retry events) and HTTP/2 routes (headers, idle timeout)', () => {
    const value = convert(['grpc-http2-routes.cfn.yaml']);
    const quotes = spec(value, 'VirtualService', 'quotes-rpc-local').http;
    expect(quotes[0]).toMatchObject({
      name: 'get-quote-beta',
      match: [{ uri: { exact: '/rpc.Quotes/GetQuote' }, headers: { 'x-beta': { exact: 'yes' } } }],
      route: [{ destination: { host: 'quotes.rpc.local', subset: 'quotes-v2' } }],
      timeout: '3s',
      retries: { attempts: 2, perTryTimeout: '500ms', retryOn: 'unavailable,deadline-exceeded' },
    });
    expect(quotes[1]).toMatchObject({ match: [{ uri: { prefix: '/rpc.Quotes/' } }], retries: { retryOn: expect.stringContaining('unavailable') } });
    expect(quotes[1].route.map((d: Spec) => d.weight)).toEqual([80, 20]);
    expect(spec(value, 'ServiceEntry', 'quotes-rpc-local').ports).toEqual([{ number: 50051, name: 'grpc-50051', protocol: 'GRPC' }]);
    const stream = spec(value, 'VirtualService', 'stream-rpc-local').http[0];
    expect(stream.match).toEqual([{ uri: { prefix: '/events' }, headers: { 'x-client': { prefix: 'mobile-' } } }]);
    expect(stream.route.map((d: Spec) => d.weight)).toEqual([50, 50]);
    for (const s of spec(value, 'DestinationRule', 'stream-rpc-local').subsets) expect(s.trafficPolicy).toEqual({ connectionPool: { http: { idleTimeout: '300s' } } });
  });

  it('reports each resource it could not convert, with the reason, and converts the rest', () => {
    const value = convert(['partial.cfn.yaml']);
    expect(value.report.notConverted()).toEqual([
      { source: 'VirtualRouter/legacy/orphan-router', kind: 'VirtualRouter', outcome: 'not converted', reasons: ['no virtual service in the input has this router as its provider, so nothing routes to it; add that virtual service'] },
      { source: 'Route/legacy/billing-router/by-account-range', kind: 'Route', outcome: 'not converted', reasons: [expect.stringMatching(/range match \[1000, 2000\) has no Istio form/)] },
    ]);
    expect(outcomes(value)).toMatchObject({ 'Route/legacy/billing-router/default': 'converted', 'VirtualService/legacy/billing.legacy.local': 'converted' });
    expect(spec(value, 'VirtualService', 'billing-legacy-local').http.map((r: Spec) => r.name)).toEqual(['default']);
  });

  it('converts a mesh alone to no resources', () => {
    const value = convert(['mesh-only.cfn.yaml']);
    expect(value.resources).toEqual([]);
    expect(value.meshSettings).toHaveProperty('empty');
  });
});
