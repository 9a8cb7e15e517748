import type { Rename } from '../report.ts';
import { VIRTUAL_GATEWAY_LABEL, VIRTUAL_NODE_LABEL } from './labels.ts';

/** A name the NameRegistry changed, said in the terms of what carries it (the scope is `namespace/kind` or `namespace/parent/kind`). */
export function describeRename(rename: { scope: string; from: string; to: string }): Rename {
  const parts = rename.scope.split('/');
  const [namespace, parent] = parts;
  const what: Record<string, string> = {
    namespace: 'Mesh → namespace',
    node: `VirtualNode → resource names and label ${VIRTUAL_NODE_LABEL} (namespace ${namespace})`,
    service: `VirtualService → resource names (namespace ${namespace})`,
    router: `VirtualRouter → label router.appmesh.trellis.dev/<name> (namespace ${namespace})`,
    gateway: `VirtualGateway → Gateway name and label ${VIRTUAL_GATEWAY_LABEL} (namespace ${namespace})`,
    route: `Route → http[].name of VirtualService ${namespace}/${parent}`,
    'gateway-route': `GatewayRoute → http[].name of the routes of gateway ${parent}`,
    credential: 'certificate → Gateway tls.credentialName',
  };
  return { what: what[parts[parts.length - 1]!] ?? rename.scope, from: rename.from, to: rename.to };
}
