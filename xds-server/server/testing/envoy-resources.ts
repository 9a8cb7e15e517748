// Hand-written Envoy resources for tests, in the object form translation will produce.
import type { ResourceObject } from '../../protos/index.ts';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/** An HTTP listener on 127.0.0.1:`port` whose routes come from RDS `routeName` over ADS. */
export function httpListener(name: string, port: number, routeName: string): ResourceObject {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: name,
              rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
            },
          },
        ],
      },
    ],
  };
}

export type TestRoute = { prefix: string; cluster: string } | { prefix: string; body: string } | { regex: string; cluster: string };

/** One virtual host matching every domain; each route forwards to a cluster or answers directly. */
export function routeConfig(name: string, routes: TestRoute[]): ResourceObject {
  return {
    name,
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: routes.map((r) => {
          const match = 'regex' in r ? { safe_regex: { regex: r.regex } } : { prefix: r.prefix };
          const action = 'body' in r ? { direct_response: { status: 200, body: { inline_string: r.body } } } : { route: { cluster: r.cluster } };
          return { match, ...action };
        }),
      },
    ],
  };
}

/** A cluster whose endpoints come from EDS over ADS (named after the cluster). */
export function edsCluster(name: string): ResourceObject {
  return {
    name,
    type: 'EDS',
    connect_timeout: { seconds: 1 },
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  };
}

/** A cluster with its endpoints inline. */
export function staticCluster(name: string, host: string, port: number): ResourceObject {
  return { name, type: 'STATIC', connect_timeout: { seconds: 1 }, load_assignment: loadAssignment(name, [{ host, port }]) };
}

/** Endpoints for `clusterName`, in one weighted locality (proxyless gRPC drops unweighted ones). */
export function loadAssignment(clusterName: string, endpoints: { host: string; port: number }[]): ResourceObject {
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        locality: { region: 'local' },
        load_balancing_weight: { value: 1 },
        lb_endpoints: endpoints.map((e) => ({ endpoint: { address: { socket_address: { address: e.host, port_value: e.port } } } })),
      },
    ],
  };
}

/** A Map keyed by each resource's own name, as the cache takes it. */
export function byName(resources: ResourceObject[]): Map<string, ResourceObject> {
  return new Map(resources.map((r) => [String(r['name'] ?? r['cluster_name']), r]));
}
