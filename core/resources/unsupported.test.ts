import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResource } from './parse-resource.ts';
import { unsupportedFieldsMarkdown } from './unsupported-doc.ts';

const DOC = new URL('../../docs/unsupported.md', import.meta.url);

type Obj = Record<string, unknown>;
const resource = (kind: string, spec: Obj): Obj => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name: 'r', namespace: 'shop' }, spec });
const route = (extra: Obj): Obj => resource('VirtualService', { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews' } }], ...extra }] });

describe('unsupported fields', () => {
  it('docs/unsupported.md is generated from the table', () => {
    const expected = unsupportedFieldsMarkdown();
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(DOC, expected);
    expect(readFileSync(DOC, 'utf8')).toBe(expected);
  });

  it.each<[string, Obj, string]>([
    ['an exponential fault delay', route({ fault: { delay: { exponentialDelay: '1s' } } }), 'spec.http[0].fault.delay.exponentialDelay'],
    ['an HTTP/2 error abort', route({ fault: { abort: { http2Error: 'REFUSED_STREAM' } } }), 'spec.http[0].fault.abort.http2Error'],
    ['PASSTHROUGH in a subset port policy', resource('DestinationRule', { host: 'r', subsets: [{ name: 'v1', labels: { v: '1' }, trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, loadBalancer: { simple: 'PASSTHROUGH' } }] } }] }), 'spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer.simple'],
    ['a Gateway server bind address', resource('Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], bind: '10.0.0.1' }] }), 'spec.servers[0].bind'],
    ['AUTO_PASSTHROUGH', resource('Gateway', { selector: { istio: 'eastwest' }, servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, hosts: ['*.local'], tls: { mode: 'AUTO_PASSTHROUGH' } }] }), 'spec.servers[0].tls.mode'],
    ['an idle timeout for inbound TCP proxying', resource('Sidecar', { inboundConnectionPool: { tcp: { idleTimeout: '30s' } } }), 'spec.inboundConnectionPool.tcp.idleTimeout'],
    ['another protocol than the caller\'s on an ingress port', resource('Sidecar', { ingress: [{ port: { number: 80, protocol: 'HTTP', name: 'http' }, defaultEndpoint: '127.0.0.1:8080', connectionPool: { http: { useClientProtocol: false } } }] }), 'spec.ingress[0].connectionPool.http.useClientProtocol'],
    ['Sidecar ingress TLS termination', resource('Sidecar', { ingress: [{ port: { number: 80, protocol: 'HTTPS', name: 'https' }, defaultEndpoint: '127.0.0.1:8080', tls: { mode: 'SIMPLE', serverCertificate: '/c.pem', privateKey: '/k.pem' } }] }), 'spec.ingress[0].tls'],
  ])('rejects %s with its path and "unsupported"', (_name, input, path) => {
    const result = parseResource(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([expect.objectContaining({ path, message: expect.stringContaining('unsupported') })]);
  });

  it.each<[string, Obj]>([
    ['ROUND_ROBIN', resource('DestinationRule', { host: 'r', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } })],
    ['a DNS ServiceEntry', resource('ServiceEntry', { hosts: ['a.example.com'], resolution: 'DNS', ports: [{ number: 80, name: 'http' }] })],
    // Valid config that needs REDIRECT interception: local-mode proxies get a translation issue instead.
    ['a wildcard ServiceEntry host', resource('ServiceEntry', { hosts: ['a.example.com', '*.example.com'], resolution: 'STATIC', endpoints: [{ address: '10.0.0.1' }], ports: [{ number: 80, name: 'http' }] })],
    ['a passthrough ServiceEntry without endpoints', resource('ServiceEntry', { hosts: ['a.example.com'], ports: [{ number: 80, name: 'http' }] })],
    ['ServiceEntry addresses (VIP and CIDR)', resource('ServiceEntry', { hosts: ['db.example.com'], addresses: ['240.0.0.10', '10.20.0.0/16'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }] })],
    ['a DYNAMIC_DNS wildcard ServiceEntry', resource('ServiceEntry', { hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS', ports: [{ number: 443, name: 'tls', protocol: 'TLS' }] })],
    ['a PASSTHROUGH Gateway server', resource('Gateway', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['*.example.com'], tls: { mode: 'PASSTHROUGH' } }] })],
    ['a fixed fault delay', route({ fault: { delay: { fixedDelay: '1s', percentage: { value: 10 } } } })],
    ['a Sidecar inbound connection pool', resource('Sidecar', { inboundConnectionPool: { http: { idleTimeout: '4s', maxRequestsPerConnection: 10 }, tcp: { connectTimeout: '1s', maxConnections: 5 } } })],
  ])('accepts %s', (_name, input) => {
    expect(parseResource(input)).toMatchObject({ ok: true });
  });
});
