import { downstreamMtlsSocket } from './transport-sockets.ts';
import { TLS_INSPECTOR_NAME, TLS_INSPECTOR_TYPE } from './security-types.ts';
import type { MtlsMode } from './peer-authentication.ts';

type Obj = Record<string, unknown>;

/**
 * Listener fields for a PeerAuthentication mode around the plaintext filter chain: STRICT
 * terminates mTLS only; PERMISSIVE sniffs TLS and serves both; DISABLE stays plaintext.
 */
export function inboundMtlsFields(mode: MtlsMode, chain: Obj, trustDomain: string, port: number): Obj {
  const mtls = { ...chain, name: `inbound|${port}|mtls`, transport_socket: downstreamMtlsSocket(trustDomain) };
  switch (mode) {
    case 'STRICT':
      return { filter_chains: [mtls] };
    case 'PERMISSIVE':
      return {
        listener_filters: [{ name: TLS_INSPECTOR_NAME, typed_config: { '@type': TLS_INSPECTOR_TYPE } }],
        filter_chains: [
          { ...mtls, filter_chain_match: { transport_protocol: 'tls' } },
          { ...chain, name: `inbound|${port}|plaintext`, filter_chain_match: { transport_protocol: 'raw_buffer' } },
        ],
      };
    case 'DISABLE':
      return { filter_chains: [chain] };
  }
}
