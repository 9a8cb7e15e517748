import type { FieldError } from '../result.ts';
import type { MessageCheck } from './proto-json.ts';

const RUNS_CODE = 'runs code on the proxy: Envoy opens Lua\'s io and os libraries, and Wasm or Go modules can be loaded from the host or the network';

/** Extensions a patch may not add, by message type, with why (docs/security.md). */
export const REFUSED_EXTENSIONS: Readonly<Record<string, string>> = {
  'envoy.extensions.filters.http.lua.v3.Lua': RUNS_CODE,
  'envoy.extensions.filters.http.lua.v3.LuaPerRoute': RUNS_CODE,
  'envoy.extensions.filters.http.wasm.v3.Wasm': RUNS_CODE,
  'envoy.extensions.filters.network.wasm.v3.Wasm': RUNS_CODE,
  'envoy.extensions.filters.http.golang.v3alpha.Config': RUNS_CODE,
  'envoy.extensions.filters.http.dynamic_modules.v3.DynamicModuleFilter': RUNS_CODE,
  'envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig': 'a dynamic forward proxy dials any host a request names; use a ServiceEntry with a wildcard host',
  'envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig': 'a dynamic forward proxy dials any host a request names; use a ServiceEntry with a wildcard host',
  'envoy.extensions.filters.network.sni_dynamic_forward_proxy.v3.FilterConfig': 'a dynamic forward proxy dials any host a request names; use a ServiceEntry with a wildcard host',
  'envoy.extensions.filters.http.tap.v3.Tap': 'taps write traffic to files on the proxy host',
  'envoy.extensions.filters.http.file_system_buffer.v3.FileSystemBufferFilterConfig': 'it writes request bodies to the proxy host\'s disk',
  'envoy.extensions.filters.listener.original_src.v3.OriginalSrc': 'it needs host networking privileges',
  'envoy.extensions.filters.http.original_src.v3.OriginalSrc': 'it needs host networking privileges',
};

/** Access logs may write to the proxy's own output streams only. */
export const ACCESS_LOG_PATHS: readonly string[] = ['/dev/stdout', '/dev/stderr'];

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost|0\.0\.0\.0|::)$/i;

const at = (path: string, key: string) => (path ? `${path}.${key}` : key);
const refuse = (path: string, why: string): FieldError[] => [{ path, message: `unsupported: ${why}` }];

/**
 * The rule that keeps a tenant's patch from reaching the proxy's host: no code, no files
 * (data sources, config paths, watched directories, log files other than stdout/stderr), no
 * environment, no Unix sockets, no loopback addresses (Envoy's admin, the agent's ports).
 */
export const hostAccessCheck: MessageCheck = {
  refusedType: (typeName) => (Object.hasOwn(REFUSED_EXTENSIONS, typeName) ? `unsupported: a patch may not add ${typeName}: ${REFUSED_EXTENSIONS[typeName]}` : undefined),
  message: checkMessage,
};

function checkMessage(typeName: string, value: Readonly<Record<string, unknown>>, path: string): FieldError[] {
  switch (typeName) {
    case 'envoy.config.core.v3.DataSource':
      if ('filename' in value) return refuse(at(path, 'filename'), 'a patch may not read files on the proxy host; put the data inline');
      if ('environment_variable' in value) return refuse(at(path, 'environment_variable'), 'a patch may not read the proxy\'s environment; put the data inline');
      return [];
    case 'envoy.config.core.v3.ConfigSource':
      if ('path' in value || 'path_config_source' in value) return refuse(path, 'a patch may not load config from files on the proxy host');
      return [];
    case 'envoy.config.core.v3.WatchedDirectory':
      return refuse(path, 'a patch may not watch directories on the proxy host');
    case 'envoy.config.core.v3.Pipe':
      return refuse(path, 'a patch may not use Unix sockets on the proxy host');
    case 'envoy.config.core.v3.SocketAddress':
      if (typeof value['address'] === 'string' && LOOPBACK.test(value['address'])) return refuse(at(path, 'address'), 'a patch may not point the proxy at its own host (the admin port, the agent)');
      return [];
    case 'envoy.extensions.access_loggers.file.v3.FileAccessLog':
      if (!ACCESS_LOG_PATHS.includes(String(value['path']))) return refuse(at(path, 'path'), `an access log may write to ${ACCESS_LOG_PATHS.join(' or ')} only`);
      return [];
    default:
      return [];
  }
}
