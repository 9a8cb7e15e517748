import { describe, expect, it } from 'vitest';
import { SYSTEM_CA_BUNDLE, upstreamTransportSocket } from './transport-socket.ts';

const context = (socket: Record<string, unknown> | undefined) => (socket?.['typed_config'] as Record<string, unknown>) ?? {};

describe('upstreamTransportSocket (DestinationRule TLS origination)', () => {
  it('MUTUAL presents the client certificate files and verifies against the CA, SANs and CRL', () => {
    const socket = upstreamTransportSocket(
      { mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem', caCertificates: '/ca.pem', caCrl: '/ca.crl', subjectAltNames: ['pay.example'] },
      { host: 'api.pay.example' },
    );
    expect(context(socket)).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'api.pay.example',
      common_tls_context: {
        tls_certificates: [{ certificate_chain: { filename: '/c.pem' }, private_key: { filename: '/k.pem' } }],
        validation_context: {
          trusted_ca: { filename: '/ca.pem' },
          crl: { filename: '/ca.crl' },
          match_typed_subject_alt_names: [
            { san_type: 'DNS', matcher: { exact: 'pay.example' } },
            { san_type: 'URI', matcher: { exact: 'pay.example' } },
          ],
        },
      },
    });
  });

  it('SIMPLE verifies against the system bundle unless told to skip, and has no SNI for IP hosts', () => {
    expect(context(upstreamTransportSocket({ mode: 'SIMPLE' }, { host: 'x.example' }))['common_tls_context']).toEqual({ validation_context: { trusted_ca: { filename: SYSTEM_CA_BUNDLE } } });
    expect(context(upstreamTransportSocket({ mode: 'SIMPLE', insecureSkipVerify: true }, { host: '10.0.0.1' }))).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {},
    });
  });

  it('leaves DISABLE, no TLS and ISTIO_MUTUAL (mesh mTLS, translate/security) to others', () => {
    expect(upstreamTransportSocket(undefined, { host: 'a' })).toBeUndefined();
    expect(upstreamTransportSocket({ mode: 'DISABLE' }, { host: 'a' })).toBeUndefined();
    expect(upstreamTransportSocket({ mode: 'ISTIO_MUTUAL' }, { host: 'a' })).toBeUndefined();
  });
});
