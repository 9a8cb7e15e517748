import type { GatewayCredential } from '../gateway/gateway-credential.ts';
import { translateGateway as translateGatewayOnly } from '../gateway/translate-gateway.ts';
import type { MeshIndex } from '../mesh/mesh-model.ts';
import type { ProxyDescriptor } from '../proxy-descriptor.ts';
import { byName } from '../sort-named.ts';
import { translateSidecarInbound as inboundOnly, translateSidecarShared as sharedOnly } from '../translate-sidecar.ts';
import type { TranslationResult } from '../translation-result.ts';
import { withTelemetry } from './with-telemetry.ts';

// The translation entry points with access logs and tracing added; translate/index.ts exports these.

export function translateSidecarShared(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  return withTelemetry(index, proxy, sharedOnly(index, proxy), 'CLIENT', ['CLIENT', 'SERVER']);
}

export function translateSidecarInbound(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  return withTelemetry(index, proxy, inboundOnly(index, proxy), 'SERVER', []);
}

/** Both sides at once, composed as the untelemetered translateSidecar composes them. */
export function translateSidecar(index: MeshIndex, proxy: ProxyDescriptor): TranslationResult {
  const shared = translateSidecarShared(index, proxy);
  const inbound = translateSidecarInbound(index, proxy);
  return {
    clusters: byName([...shared.clusters, ...inbound.clusters]),
    endpoints: shared.endpoints,
    listeners: byName([...shared.listeners, ...inbound.listeners]),
    routes: shared.routes,
    issues: [...shared.issues, ...inbound.issues],
  };
}

/** Gateways log and trace as Istio's CLIENT side. */
export function translateGateway(index: MeshIndex, proxy: ProxyDescriptor, credentials?: ReadonlyMap<string, GatewayCredential>): TranslationResult {
  return withTelemetry(index, proxy, translateGatewayOnly(index, proxy, credentials), 'CLIENT', ['CLIENT']);
}
