import type { Named } from '../translation-result.ts';
import { httpConnectionManager } from './http-connection-manager.ts';

/** What proxyless gRPC dials: a Listener named after the target with an api_listener HCM, routes over RDS. */
export function grpcApiListener(name: string, routeName: string): Named {
  return {
    name,
    resource: { name, api_listener: { api_listener: httpConnectionManager(undefined, { rds: routeName }) } },
  };
}
