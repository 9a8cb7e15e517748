// The hosted topology on one machine: what `cdk deploy` creates, emulated by moto, and the
// deployed artefacts run from their bundles — the API Lambda behind an HTTP API stand-in, two
// xds-server replicas (ECS tasks) behind a TCP balancer (the NLB), wired by EventBridge and SQS.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiKeyShapeProblem, generateApiKey } from '../../functions/api-keys.ts';
import { InvalidBootstrapKeyError } from '../../functions/bootstrap.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import { builtEntry } from '../../bin/ensure-built.mjs';
import { startApiGateway, type RunningApiGateway, type TopologyHealth } from './api-gateway.ts';
import { createHostedResources, type AwsClientConfig, type HostedResources } from './aws-resources.ts';
import { startChild, waitUntil, type Child } from './child-process.ts';
import { ensureLambdaBundle } from './lambda-bundle.ts';
import { startLambdaRuntime, type LambdaRuntime } from './lambda-runtime.ts';
import { routeRequest } from './http-api-routes.ts';
import { ensureMotoServer } from './moto-install.ts';
import { freePort } from './free-port.ts';
import { startTcpBalancer, type RunningTcpBalancer } from './tcp-balancer.ts';

export interface HostedOptions {
  /** Logs, the generated config (`hosted.json`) and the admin key (unless `bootstrapKey`). */
  dataDir: string;
  host?: string;
  /** The API (HTTP API stand-in); default 8080. */
  apiPort?: number;
  /** The two replicas' xDS ports; default 18000 and 18001. */
  xdsPorts?: [number, number];
  /** The replicas' admin (health, metrics) ports; default 9090 and 9091. */
  adminPorts?: [number, number];
  /** The xDS load balancer in front of both replicas; default 18010. */
  xdsBalancerPort?: number;
  /** moto_server's port; default: a free one. */
  motoPort?: number;
  /** The bootstrap admin key (TRELLIS_BOOTSTRAP_KEY); default: the one in `<dataDir>/admin-key`, made on first start. */
  bootstrapKey?: string;
  /** Extra variables for both replicas (e.g. a shorter TRELLIS_RECONCILE_INTERVAL_MS). */
  replicaEnv?: Record<string, string>;
  logLevel?: string;
}

/** The CloudWatch namespace of the hosted topology's alarm metrics (`Trellis/<service stack>` in AWS). */
export const HOSTED_METRICS_NAMESPACE = 'Trellis/Hosted';

export interface HostedReplica {
  id: string;
  xdsAddress: string;
  adminUrl: string;
  child: Child;
}

export interface HostedTopology {
  apiUrl: string;
  /** The balancer in front of both replicas: what agents connect to. */
  xdsAddress: string;
  replicas: HostedReplica[];
  adminKey: string;
  aws: AwsClientConfig;
  resources: HostedResources;
  health(): Promise<TopologyHealth>;
  close(): Promise<void>;
}

/** The function's timeout in the CDK app (infra/constructs/api.ts). */
const LAMBDA_TIMEOUT_MS = 29_000;
const START_TIMEOUT_MS = 60_000;
const REGION = 'us-east-1';

function adminKeyFor(dataDir: string, given: string | undefined): string {
  if (given !== undefined) {
    const problem = apiKeyShapeProblem(given);
    if (problem) throw new InvalidBootstrapKeyError(problem);
    return given;
  }
  const file = path.join(dataDir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = generateApiKey().secret;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

async function answers(url: string): Promise<boolean> {
  return (await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.ok === true;
}

export async function startHostedTopology(o: HostedOptions): Promise<HostedTopology> {
  const host = o.host ?? '127.0.0.1';
  const logs = path.join(o.dataDir, 'logs');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  const adminKey = adminKeyFor(o.dataDir, o.bootstrapKey);
  const logLevel = o.logLevel ?? 'info';
  let gateway: RunningApiGateway | undefined;
  let balancer: RunningTcpBalancer | undefined;
  let moto: Child | undefined;
  let lambda: LambdaRuntime | undefined;
  // The preview function: the routes that need translation (infra/lambda-bundling.ts PREVIEW_ROUTES), as the CDK app routes them.
  let preview: LambdaRuntime | undefined;
  let apiWarm = false;
  const replicas: HostedReplica[] = [];
  // Whatever started stops, on close or on a failed start: entry points first, moto last (replicas remove their queues and records on the way out).
  const close = async () => {
    await gateway?.close();
    await balancer?.close();
    await lambda?.stop();
    await preview?.stop();
    await Promise.all(replicas.map((r) => r.child.stop()));
    await moto?.stop(3_000);
  };
  const motoEndpoint = `http://${host}:${o.motoPort || (await freePort(host))}`;
  const health = async (): Promise<TopologyHealth> => {
    const [motoUp, ...replicasUp] = await Promise.all([moto && !moto.exited() ? answers(`${motoEndpoint}/moto-api/`) : false, ...replicas.map((r) => answers(`${r.adminUrl}/healthz`))]);
    const components: Record<string, string> = { moto: motoUp ? 'ready' : 'down', api: apiWarm && lambda && !lambda.child.exited() ? 'ready' : 'down', preview: apiWarm && preview && !preview.child.exited() ? 'ready' : 'down' };
    (o.xdsPorts ?? [18000, 18001]).forEach((_, i) => (components[`xds-${i}`] = replicasUp[i] ? 'ready' : 'down'));
    return { ready: Object.values(components).every((s) => s === 'ready'), components };
  };

  try {
    // The API port answers first, so /healthz says 503 while the rest starts.
    gateway = await startApiGateway({
      host,
      port: o.apiPort ?? 8080,
      invoke: (event) => {
        const route = routeRequest(event.requestContext.http.method, event.rawPath);
        const target = route.lambda === 'preview' ? preview : lambda;
        if (!target || !apiWarm) return Promise.reject(Object.assign(new Error('the API is starting'), { timedOut: true }));
        return target.invoke({ ...event, routeKey: route.routeKey, requestContext: { ...event.requestContext, routeKey: route.routeKey } });
      },
      health,
      onError: (err, requestId) => process.stderr.write(`api gateway: request ${requestId}: ${err instanceof Error ? err.message : String(err)}\n`),
    });

    moto = startChild('moto_server', ensureMotoServer(), ['-H', host, '-p', new URL(motoEndpoint).port], { cwd: o.dataDir, env: process.env, logFile: path.join(logs, 'moto.log') });
    await waitUntil(moto, 'moto_server to answer', () => answers(`${motoEndpoint}/moto-api/`), START_TIMEOUT_MS);
    const aws: AwsClientConfig = { endpoint: motoEndpoint, region: REGION, credentials: { accessKeyId: 'hosted', secretAccessKey: 'hosted' } };
    const resources = await createHostedResources(aws, adminKey);

    // What the CDK app hands the Lambda and the tasks (infra/runtime-environment.ts); the SDK reaches moto through AWS_ENDPOINT_URL.
    const common = {
      PATH: process.env.PATH ?? '',
      AWS_ENDPOINT_URL: motoEndpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
      TRELLIS_TABLE_NAME: resources.tableName,
      TRELLIS_BUS_NAME: resources.busName,
      TRELLIS_CA_ARN: resources.caArn,
      // moto ignores API passthrough: this template copies the CSR's SAN, which the adapter then checks.
      TRELLIS_CA_TEMPLATE_ARN: 'EndEntityCertificate/V1',
      TRELLIS_CREDENTIALS_TABLE_NAME: resources.credentialsTableName,
      TRELLIS_CREDENTIALS_KEY_ARN: resources.credentialsKeyArn,
      TRELLIS_LOG_LEVEL: logLevel,
      // The alarms' figures: replicas publish to moto's CloudWatch, the API Lambda writes EMF lines to its log.
      TRELLIS_METRICS_NAMESPACE: HOSTED_METRICS_NAMESPACE,
    };
    const xdsEntry = fileURLToPath(builtEntry('xds-server'));
    const xdsPorts = o.xdsPorts ?? [18000, 18001];
    const adminPorts = o.adminPorts ?? [9090, 9091];
    xdsPorts.forEach((xdsPort, i) => {
      const id = `hosted-${String.fromCharCode(97 + i)}`;
      const env = {
        ...common,
        TRELLIS_HOST: host,
        TRELLIS_REPLICA_ID: id,
        TRELLIS_XDS_PORT: String(xdsPort),
        TRELLIS_ADMIN_PORT: String(adminPorts[i]),
        TRELLIS_XDS_MTLS: 'true',
        TRELLIS_DEAD_LETTER_QUEUE_ARN: resources.deadLetterQueueArn,
        ...o.replicaEnv,
      };
      const child = startChild(`xds-server ${id}`, process.execPath, ['--enable-source-maps', xdsEntry], { cwd: REPO_ROOT, env, logFile: path.join(logs, `${id}.log`) });
      replicas.push({ id, xdsAddress: `${host}:${xdsPort}`, adminUrl: `http://${host}:${adminPorts[i]}`, child });
    });

    const lambdaEnv = { ...common, TRELLIS_BOOTSTRAP_KEY_SECRET_ARN: resources.bootstrapKeySecretArn, TRELLIS_JOIN_TOKEN_SECRET_ARN: resources.joinTokenSecretArn, TRELLIS_SIGNALS_TABLE_NAME: resources.signalsTableName };
    lambda = await startLambdaRuntime({ bundle: await ensureLambdaBundle('api'), env: { ...lambdaEnv, AWS_LAMBDA_FUNCTION_NAME: 'trellis-hosted-api' }, logFile: path.join(logs, 'api.log'), timeoutMs: LAMBDA_TIMEOUT_MS });
    preview = await startLambdaRuntime({ bundle: await ensureLambdaBundle('preview'), env: { ...lambdaEnv, AWS_LAMBDA_FUNCTION_NAME: 'trellis-hosted-preview' }, logFile: path.join(logs, 'preview.log'), timeoutMs: LAMBDA_TIMEOUT_MS });
    // The first invocation is the cold start: it reads the secrets and adopts the bootstrap key.
    for (const [name, runtime] of [['API', lambda], ['preview', preview]] as const) {
      await waitUntil(runtime.child, `the ${name} Lambda to answer`, async () => ((await runtime.invoke({ version: '2.0', routeKey: '$default', rawPath: '/healthz', rawQueryString: '', headers: {}, isBase64Encoded: false, requestContext: { accountId: '000000000000', apiId: 'local', domainName: host, domainPrefix: host, http: { method: 'GET', path: '/healthz', protocol: 'HTTP/1.1', sourceIp: host, userAgent: 'start:hosted' }, requestId: 'warm-up', routeKey: '$default', stage: '$default', time: new Date().toUTCString(), timeEpoch: Date.now() } })) as { statusCode?: number }).statusCode === 200, START_TIMEOUT_MS);
    }
    apiWarm = true;
    for (const r of replicas) await waitUntil(r.child, `${r.id} to be healthy`, () => answers(`${r.adminUrl}/healthz`), START_TIMEOUT_MS);

    balancer = await startTcpBalancer({ host, port: o.xdsBalancerPort ?? 18010, targets: xdsPorts.map((port) => ({ host, port })) });
    const topology = { apiUrl: gateway.url, xdsAddress: balancer.address, replicas: replicas.map(({ id, xdsAddress, adminUrl }) => ({ id, xdsAddress, adminUrl })), aws: { endpoint: motoEndpoint, region: REGION }, resources, logs };
    writeFileSync(path.join(o.dataDir, 'hosted.json'), `${JSON.stringify(topology, null, 2)}\n`);
    return { apiUrl: gateway.url, xdsAddress: balancer.address, replicas, adminKey, aws, resources, health, close };
  } catch (err) {
    await close();
    throw err;
  }
}
