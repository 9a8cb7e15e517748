// Lambda entry of the preview function: the tenant API app, plus per-proxy config and dry-run
// previews re-translated from the fleet status records. API Gateway sends it only the routes that
// need translation (infra/constructs/api.ts), so the API function's bundle stays free of it.
import { quietAwsSdkNodeVersionWarning } from '../core/adapters/aws/sdk-node-warning.ts';
import type { ProxyStatusSource } from '../core/proxies/proxy-status.ts';
import { createApiParts } from '../functions/handlers/api-options.ts';
import { createLambdaHandler } from '../functions/lambda.ts';
import { HttpProblemError } from '../functions/problem.ts';
import { RecordedProxies, UnrecordedGroupError } from '../xds-server/control/recorded-proxies.ts';

quietAwsSdkNodeVersionWarning();

export const handler = createLambdaHandler(async () => {
  const { options, fleet, registry } = await createApiParts();
  const recorded = new RecordedProxies({ store: options.store, fleet, registry, ...(options.credentials && { credentials: options.credentials }) });
  const status = options.proxies;
  if (!status) throw new Error('the API parts carry no proxy status source');
  const proxies: ProxyStatusSource = {
    list: (tenantId, mesh) => status.list(tenantId, mesh),
    preview: (tenantId, mesh, after) => recorded.preview(tenantId, mesh, after),
    async config(tenantId, mesh, proxyId, types) {
      try {
        return await recorded.config(tenantId, mesh, proxyId, types);
      } catch (err) {
        if (err instanceof UnrecordedGroupError) throw new HttpProblemError(501, 'Not implemented', err.message);
        throw err;
      }
    },
  };
  return { ...options, proxies };
});
