/** A bootstrap whose listeners and clusters all come over ADS from 127.0.0.1:`xdsPort`. */
export function adsBootstrap(options: { nodeId: string; scope: string; adminPort: number; xdsPort: number; apiType: 'GRPC' | 'DELTA_GRPC' }): string {
  return `
node: { id: ${options.nodeId}, cluster: ${options.scope} }
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${options.adminPort} } }
dynamic_resources:
  ads_config:
    api_type: ${options.apiType}
    transport_api_version: V3
    set_node_on_first_message_only: true
    grpc_services:
    - envoy_grpc:
        cluster_name: xds
        retry_policy: { retry_back_off: { base_interval: 0.1s, max_interval: 0.5s } }
  cds_config: { ads: {}, resource_api_version: V3 }
  lds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
  - name: xds
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${options.xdsPort} } } }
`;
}
