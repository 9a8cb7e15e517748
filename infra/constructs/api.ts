import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dropRedundantDependency } from './redundant-dependency.ts';
import { ENVOY_PROTO_SOURCE, ESM_REQUIRE_BANNER, LAMBDA_ENTRIES, NODE_TARGET, PREVIEW_ROUTES } from '../lambda-bundling.ts';
import { repoPath } from '../paths.ts';

export interface ApiProps {
  /** Runtime configuration of the handler (tables, bus, CA, secrets, credentials key). */
  environment: Record<string, string>;
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: RetentionDays;
}

// Every $context field an HTTP API stage can log that helps read a failed request.
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  banner: ESM_REQUIRE_BANNER,
  mainFields: ['module', 'main'],
  target: NODE_TARGET,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // The SDK versions pinned in package-lock.json are bundled, not whatever the runtime ships.
  bundleAwsSDK: true,
};

/** The preview bundle encodes Envoy resources: the .proto files go beside it, as `npm run bundle` puts them. */
const PREVIEW_BUNDLING: BundlingOptions = {
  ...BUNDLING,
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/envoy-protos"`,
      ...ENVOY_PROTO_SOURCE.subdirs.map((dir) => `cp -R "${inputDir}/node_modules/${ENVOY_PROTO_SOURCE.package}/deps/${dir}" "${outputDir}/envoy-protos/${dir}"`),
    ],
  },
};

/**
 * The tenant REST API: an HTTP API whose routes go to the hono app in one of two Lambdas from the
 * same code — the API function, and for the routes that need the xDS translation
 * (`PREVIEW_ROUTES`: proxy-config, apply with its dry-run preview) the preview function, whose
 * bundle carries the translation and the Envoy protos. Both share one role: the preview function
 * serves apply, so it needs exactly what the API needs.
 */
export class Api extends Construct {
  readonly handler: NodejsFunction;
  readonly previewHandler: NodejsFunction;
  readonly handlerLogGroup: LogGroup;
  readonly previewLogGroup: LogGroup;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.handlerLogGroup = new LogGroup(this, 'HandlerLogs', { retention: props.logRetention });
    // An own role, so the function may write only to its own log group (no AWSLambdaBasicExecutionRole).
    const role = new Role(this, 'HandlerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.handlerLogGroup.grantWrite(role);
    this.previewLogGroup = new LogGroup(this, 'PreviewLogs', { retention: props.logRetention });
    this.previewLogGroup.grantWrite(role);

    this.handler = new NodejsFunction(this, 'Handler', {
      entry: repoPath(LAMBDA_ENTRIES.api),
      projectRoot: repoPath('.'),
      depsLockFilePath: repoPath('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      // Just under the HTTP API's 30 s integration limit, so a slow request ends in our error, not a gateway one.
      timeout: Duration.seconds(29),
      role,
      logGroup: this.handlerLogGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      // No layers: the Parameters and Secrets extension exists in a fixed list of regions only, so
      // the handler reads its secrets with the SDK and the stack deploys in any region.
      bundling: BUNDLING,
    });

    this.previewHandler = new NodejsFunction(this, 'PreviewHandler', {
      entry: repoPath(LAMBDA_ENTRIES.preview),
      projectRoot: repoPath('.'),
      depsLockFilePath: repoPath('package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      // Translation is CPU-bound: more memory is more CPU.
      memorySize: 2048,
      timeout: Duration.seconds(29),
      role,
      logGroup: this.previewLogGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: PREVIEW_BUNDLING,
    });

    for (const fn of [this.handler, this.previewHandler]) {
      // The function's Role is a GetAtt of the role already.
      dropRedundantDependency(fn.node.defaultChild as CfnResource, role.node.defaultChild as CfnResource);
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node 22 is the runtime the architecture fixes; the bundle targets Node 20 and is tested there, so a runtime upgrade is a deliberate, tested change.',
      });
    }

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Trellis tenant REST API (v1)',
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler),
      createDefaultStage: false,
    });
    const preview = new HttpLambdaIntegration('Preview', this.previewHandler);
    for (const route of PREVIEW_ROUTES) this.httpApi.addRoutes({ path: route.path, methods: [HttpMethod[route.method]], integration: preview });
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The app authorizes: every /v1 route needs a tenant API key (Bearer, checked against hashes in DynamoDB); /healthz, /openapi.json and /docs are public by the API contract. An authorizer would repeat that lookup.',
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
  }
}
