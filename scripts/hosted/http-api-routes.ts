import { PREVIEW_ROUTES, type LambdaName } from '../../infra/lambda-bundling.ts';

/** An HTTP API route path (`/v1/meshes/{mesh}/apply`) as a pattern: a `{param}` is one non-empty path segment. */
function pattern(path: string): RegExp {
  const parts = path.split(/(\{[^}]+\})/).map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('')}$`);
}

const ROUTES = PREVIEW_ROUTES.map((r) => ({ method: r.method, pattern: pattern(r.path), key: `${r.method} ${r.path}` }));

/** Which function API Gateway invokes for a request, and the route key it puts in the event (as the CDK app routes them). */
export function routeRequest(method: string, rawPath: string): { lambda: LambdaName; routeKey: string } {
  const route = ROUTES.find((r) => r.method === method && r.pattern.test(rawPath));
  return route ? { lambda: 'preview', routeKey: route.key } : { lambda: 'api', routeKey: '$default' };
}
