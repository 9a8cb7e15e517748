import { describe, expect, it } from 'vitest';
import { routeRequest } from './http-api-routes.ts';

describe('routeRequest (the HTTP API routes of the CDK app)', () => {
  it('sends apply and proxy-config to the preview function, with their route keys', () => {
    expect(routeRequest('POST', '/v1/meshes/demo/apply')).toEqual({ lambda: 'preview', routeKey: 'POST /v1/meshes/{mesh}/apply' });
    expect(routeRequest('GET', '/v1/meshes/demo/proxies/web.shop~127.0.0.1~demo/config')).toEqual({ lambda: 'preview', routeKey: 'GET /v1/meshes/{mesh}/proxies/{proxyId}/config' });
  });

  it('sends everything else, other methods and deeper or shallower paths included, to the API function', () => {
    for (const [method, path] of [['GET', '/v1/meshes/demo/apply'], ['POST', '/v1/meshes/demo/apply/x'], ['POST', '/v1/meshes//apply'], ['GET', '/v1/meshes/demo/proxies'], ['GET', '/v1/meshes/demo/proxies/a/b/config'], ['GET', '/healthz']] as const) {
      expect(routeRequest(method, path)).toEqual({ lambda: 'api', routeKey: '$default' });
    }
  });
});
