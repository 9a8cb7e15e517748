/*
 * What xds-server/Dockerfile, the task definition and the NLB agree on. No CDK imports, so the
 * Dockerfile test can read it cheaply.
 */

/** The gRPC (ADS) port the proxies dial, on the NLB and in the container. */
export const XDS_PORT = 18000;

/** The xds-server's HTTP admin port: `GET /healthz` answers 200 once it serves. */
export const ADMIN_PORT = 9090;

/** Node has fetch built in, so the probe needs no curl in the image; the Dockerfile's HEALTHCHECK runs the same one. */
export const HEALTH_PROBE = `fetch('http://127.0.0.1:${ADMIN_PORT}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;

/** The file the image runs. */
export const SERVER_BUNDLE = 'dist/xds-server.mjs';
