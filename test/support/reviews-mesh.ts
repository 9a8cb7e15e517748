/** The `reviews` service with two versions on local ports: ServiceEntry, two WorkloadEntries, subsets. */
export const REVIEWS_HOST = 'reviews.shop.svc.cluster.local';

export function reviewsServiceYaml(v1Port: number, v2Port: number): string {
  return `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [${REVIEWS_HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: reviews } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v1, namespace: shop }
spec: { address: 127.0.0.1, ports: { http: ${v1Port} }, labels: { app: reviews, version: v1 } }
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: { name: reviews-v2, namespace: shop }
spec: { address: 127.0.0.1, ports: { http: ${v2Port} }, labels: { app: reviews, version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: ${REVIEWS_HOST}
  subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }]
`;
}
