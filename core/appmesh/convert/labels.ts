/** Workload labels that stand for App Mesh membership; trellis-agent `--label` puts them on a workload. */
export const VIRTUAL_NODE_LABEL = 'appmesh.trellis.dev/virtual-node';
export const VIRTUAL_GATEWAY_LABEL = 'appmesh.trellis.dev/virtual-gateway';
/** `router.appmesh.trellis.dev/<router>: member` — a workload can be a target of several routers, so one key per router. */
export const routerMemberLabel = (routerLabel: string) => `router.appmesh.trellis.dev/${routerLabel}`;
export const MEMBER = 'member';
