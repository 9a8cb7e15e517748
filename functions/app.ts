import { OpenAPIHono } from '@hono/zod-openapi';
import { swaggerUI } from '@hono/swagger-ui';
import { requestId } from 'hono/request-id';
import type { ApiEnv } from './context.ts';
import { resolveDependencies, type ApiOptions } from './dependencies.ts';
import { apiKeyAuth } from './auth.ts';
import { bodyLimits } from './body-limits.ts';
import { HttpProblemError, problemResponse } from './problem.ts';
import { methodsByPath } from './method-not-allowed.ts';
import { meshRoutes } from './routes/meshes.ts';
import { resourceRoutes } from './routes/resources.ts';
import { applyRoutes } from './routes/apply.ts';
import { revisionRoutes } from './routes/revisions.ts';
import { proxyRoutes } from './routes/proxies.ts';
import { workloadRoutes } from './routes/workloads.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { joinTokenRoutes } from './routes/join-tokens.ts';
import { certificateRoutes } from './routes/certificates.ts';
import { certificateAuditRoutes } from './routes/certificate-audit.ts';
import { credentialRoutes } from './routes/credentials.ts';
import { attestationRoutes } from './routes/attestation.ts';
import { versionRoutes } from './routes/version.ts';
import { registrySourceRoutes } from './routes/registry-sources.ts';
import { registrySourceStatusRoutes } from './routes/registry-source-status.ts';
import { signalReportRoutes, signalRoutes } from './routes/signals.ts';
import { proxySettingsRoutes } from './routes/proxy-settings.ts';

export interface CreateApiOptions extends ApiOptions {
  /** Readiness for `/healthz`; local mode reports ready once both API and xDS listen. */
  ready?: () => boolean;
}

/** The tenant REST API (its contract is the OpenAPI document at /openapi.json), the same app locally and on Lambda. */
export function createApi(options: CreateApiOptions): OpenAPIHono<ApiEnv> {
  const deps = resolveDependencies(options);
  const app = new OpenAPIHono<ApiEnv>();

  app.use('*', requestId({ limitLength: 100 }));
  app.use('*', async (c, next) => {
    const started = performance.now();
    const logger = deps.logger.child({ requestId: c.get('requestId') });
    c.set('logger', logger);
    await next();
    c.header('x-request-id', c.get('requestId'));
    logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
  });

  // Before authentication and every route: an oversized body is refused unread, whoever sends it.
  app.use('*', bodyLimits(deps.limits));

  app.get('/healthz', (c) => {
    const ready = options.ready ? options.ready() : true;
    return c.json({ status: ready ? 'ok' : 'starting' }, ready ? 200 : 503);
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'A Trellis API key' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Trellis API', version: '1', description: 'Managed service-mesh control plane: Istio resources in, Envoy config out.' },
  });
  app.get('/docs', swaggerUI({ url: '/openapi.json' }));
  app.route('/', versionRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'joinToken', { type: 'http', scheme: 'bearer', description: 'A single-use join token (tjt1.…)' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'eksToken', { type: 'apiKey', in: 'header', name: 'Authorization', description: 'EksToken <projected service-account token>, with Trellis-Tenant: <tenant id>' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'awsSts', { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AwsSts <base64url JSON of a SigV4-signed STS GetCallerIdentity request>, with Trellis-Tenant: <tenant id>' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'trellisCert', { type: 'apiKey', in: 'header', name: 'Authorization', description: 'TrellisCert: the current workload certificate and a signature made with its key' });
  // Registered before the API key middleware: workloads authenticate with a join token or their certificate.
  app.route('/', certificateRoutes(deps));
  app.route('/', registrySourceRoutes(deps));
  app.route('/', signalReportRoutes(deps));
  app.route('/', proxySettingsRoutes(deps));
  app.use('/v1/*', apiKeyAuth({ store: deps.store }));
  for (const routes of [tenantRoutes, meshRoutes, resourceRoutes, applyRoutes, revisionRoutes, proxyRoutes, workloadRoutes, registrySourceStatusRoutes, joinTokenRoutes, certificateAuditRoutes, attestationRoutes, credentialRoutes, signalRoutes]) {
    app.route('/', routes(deps));
  }

  let allowedMethods: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    // Built on first use: by then every route is registered.
    allowedMethods ??= methodsByPath(app.routes);
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      return problemResponse(c, new HttpProblemError(405, 'Method not allowed', `${c.req.path} answers ${allowed.join(', ')}, not ${c.req.method}.`, undefined, { allow: allowed.join(', ') }));
    }
    return problemResponse(c, new HttpProblemError(404, 'Not found', `No route for ${c.req.method} ${c.req.path}; see /docs.`));
  });
  app.onError((err, c) => {
    const response = problemResponse(c, err);
    if (response.status >= 500) (c.get('logger') ?? deps.logger).error({ err }, 'request failed');
    return response;
  });
  return app;
}
