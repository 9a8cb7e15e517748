import type { MeshIndex, MeshService } from '../mesh/mesh-model.ts';
import { memoized } from '../mesh/memo.ts';
import { destinationRuleFor } from '../mesh/proxy-view.ts';
import type { OutboundMtls } from '../security/outbound-tls.ts';
import { serviceClusters, type ClusterFlavour, type ServiceClusters } from './outbound-clusters.ts';

/**
 * A service's clusters and load assignments for a proxy in `namespace` (and `locality`), memoised
 * by their inputs. `originalDst`: the proxy intercepts by REDIRECT (see serviceClusters).
 * `credentialNamespace` (gateways): where DestinationRule `credentialName`s are uploaded.
 */
export function serviceClustersFor(index: MeshIndex, service: MeshService, namespace: string, flavour: ClusterFlavour, mtls?: OutboundMtls, locality?: string, originalDst = false, credentialNamespace?: string): ServiceClusters {
  const rule = destinationRuleFor(index, service.host, namespace);
  const key = ['cl', flavour, service.host, index.fingerprints.get(service.host), rule?.source ?? '', mtls ? `mtls=${mtls.trustDomain}:${mtls.workloadCertificate}` : '', locality ? `loc=${locality}` : '', originalDst ? 'odst' : '', credentialNamespace !== undefined ? `cred=${credentialNamespace}` : ''].join('|');
  return memoized(index, key, () => serviceClusters(service, rule, flavour, mtls, locality, originalDst, credentialNamespace));
}
