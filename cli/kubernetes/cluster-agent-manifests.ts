import { DEFAULT_EKS_AUDIENCE } from '../../core/identity/attestation/registrations.ts';

// The API's contract (functions/routes/registry-sources.ts): only this service account may write a cluster's entries.
export const CLUSTER_AGENT_NAME = 'trellis-cluster-agent';

export interface ClusterAgentInstallOptions {
  tenant: string;
  mesh: string;
  server: string;
  image: string;
  namespace: string;
  /** The cluster's EKS registration name in the mesh. */
  cluster: string;
}

const LABELS = { 'app.kubernetes.io/name': CLUSTER_AGENT_NAME, 'app.kubernetes.io/part-of': 'trellis' };

/** The cluster agent: its ServiceAccount, a read-only ClusterRole and its binding, and a one-replica Deployment. */
export function clusterAgentManifests(o: ClusterAgentInstallOptions): Record<string, unknown>[] {
  const meta = (namespaced = true) => ({ name: CLUSTER_AGENT_NAME, ...(namespaced ? { namespace: o.namespace } : {}), labels: LABELS });
  const read = ['get', 'list', 'watch'];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(false),
      // Read only: the agent mirrors the cluster and never changes it.
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'services', 'pods'], verbs: read },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: CLUSTER_AGENT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: CLUSTER_AGENT_NAME, namespace: o.namespace }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(),
      spec: {
        // One writer per cluster: a second would only repeat the same writes.
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { 'app.kubernetes.io/name': CLUSTER_AGENT_NAME } },
        template: {
          metadata: { labels: { ...LABELS, 'sidecar.trellis.dev/inject': 'false' } },
          spec: {
            serviceAccountName: CLUSTER_AGENT_NAME,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'agent',
                image: o.image,
                command: ['trellis-cluster-agent'],
                args: ['--server', o.server, '--tenant', o.tenant, '--mesh', o.mesh, '--cluster', o.cluster, '--trellis-token-file', '/var/run/secrets/trellis/token'],
                // bench cluster-agent-scale: 152 MiB RSS (peak 179) for 1,000 Services and 10,000 endpoints; the limit leaves room for about three times that.
                resources: { requests: { cpu: '50m', memory: '192Mi' }, limits: { memory: '512Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'trellis-token', mountPath: '/var/run/secrets/trellis', readOnly: true }],
              },
            ],
            volumes: [{ name: 'trellis-token', projected: { sources: [{ serviceAccountToken: { audience: DEFAULT_EKS_AUDIENCE, expirationSeconds: 3600, path: 'token' } }] } }],
          },
        },
      },
    },
  ];
}
