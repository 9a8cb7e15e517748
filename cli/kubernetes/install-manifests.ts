import type { WebhookCertificate } from './webhook-certificate.ts';

// The injector's contract (sidecar/injector/): the CLI may not import it, a test keeps these equal.
export const INJECTION_NAMESPACE_LABEL = 'trellis.dev/injection';
export const INJECT_OPT_OUT = 'sidecar.trellis.dev/inject';
export const WEBHOOK_PATH = '/inject';
export const WEBHOOK_PORT = 9443;

export interface InstallOptions {
  /** Tenant whose registered EKS cluster vouches for the pods. */
  tenant: string;
  mesh: string;
  /** Trellis API URL the agents and the webhook use. */
  server: string;
  /** host:port of the xDS server the proxies use. */
  xds: string;
  image: string;
  failOpen: boolean;
  nativeSidecars: boolean;
  timeoutSeconds: number;
  namespace: string;
  replicas: number;
}

const NAME = 'trellis-injector';
const LABELS = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/part-of': 'trellis' };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every object of a Trellis injector install, in apply order (like `istioctl manifest generate`). */
export function installManifests(o: InstallOptions, cert: WebhookCertificate): Record<string, unknown>[] {
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: o.namespace } : {}), labels: LABELS });
  const args = [
    'inject-webhook',
    '--tenant', o.tenant,
    '--mesh', o.mesh,
    '--api', o.server,
    '--xds', o.xds,
    '--image', o.image,
    '--tls-cert', '/etc/trellis/tls/tls.crt',
    '--tls-key', '/etc/trellis/tls/tls.key',
    '--port', String(WEBHOOK_PORT),
    ...(o.nativeSidecars ? [] : ['--no-native-sidecars']),
    ...(o.failOpen ? ['--fail-open'] : []),
  ];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels: LABELS } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(NAME) },
    // Namespaces only: the webhook re-checks the injection label of a pod's namespace.
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(NAME, false), rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: o.namespace }],
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${NAME}-tls`), type: 'kubernetes.io/tls', data: { 'tls.crt': b64(cert.certPem), 'tls.key': b64(cert.keyPem) } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(NAME),
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': NAME } },
        template: {
          metadata: { labels: { ...LABELS, [INJECT_OPT_OUT]: 'false' } },
          spec: {
            serviceAccountName: NAME,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'webhook',
                image: o.image,
                command: ['trellis-agent'],
                args,
                ports: [{ name: 'https', containerPort: WEBHOOK_PORT }],
                readinessProbe: { httpGet: { scheme: 'HTTPS', path: '/healthz', port: WEBHOOK_PORT }, periodSeconds: 5 },
                livenessProbe: { httpGet: { scheme: 'HTTPS', path: '/healthz', port: WEBHOOK_PORT }, periodSeconds: 10, failureThreshold: 6 },
                resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'tls', mountPath: '/etc/trellis/tls', readOnly: true }],
              },
            ],
            volumes: [{ name: 'tls', secret: { secretName: `${NAME}-tls` } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(NAME),
      spec: { selector: { 'app.kubernetes.io/name': NAME }, ports: [{ name: 'https', port: 443, targetPort: WEBHOOK_PORT }] },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: meta('trellis-sidecar-injector', false),
      webhooks: [
        {
          name: 'sidecar-injector.trellis.dev',
          clientConfig: { service: { name: NAME, namespace: o.namespace, path: WEBHOOK_PATH, port: 443 }, caBundle: b64(cert.caPem) },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
          namespaceSelector: { matchLabels: { [INJECTION_NAMESPACE_LABEL]: 'enabled' } },
          objectSelector: { matchExpressions: [{ key: INJECT_OPT_OUT, operator: 'NotIn', values: ['false'] }] },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          // Fail: no pod of a meshed namespace starts without its proxy while the webhook is down.
          failurePolicy: o.failOpen ? 'Ignore' : 'Fail',
          timeoutSeconds: o.timeoutSeconds,
          matchPolicy: 'Equivalent',
          reinvocationPolicy: 'Never',
        },
      ],
    },
  ];
}
