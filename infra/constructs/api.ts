import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, LogGroupLogDestination, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { dropRedundantDependency } from './redundant-dependency.ts';
import { ESM_REQUIRE_BANNER, LAMBDA_ENTRIES, NODE_TARGET } from '../lambda-bundling.ts';
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

/** The tenant REST API: an HTTP API whose every route goes to one Lambda running the hono app. */
export class Api extends Construct {
  readonly handler: NodejsFunction;
  readonly handlerLogGroup: LogGroup;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.handlerLogGroup = new LogGroup(this, 'HandlerLogs', { retention: props.logRetention });
    // An own role, so the function may write only to its own log group (no AWSLambdaBasicExecutionRole).
    const role = new Role(this, 'HandlerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    this.handlerLogGroup.grantWrite(role);

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
      bundling: {
        format: OutputFormat.ESM,
        banner: ESM_REQUIRE_BANNER,
        mainFields: ['module', 'main'],
        target: NODE_TARGET,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK versions pinned in package-lock.json are bundled, not whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });

    // The function's Role is a GetAtt of the role already.
    dropRedundantDependency(this.handler.node.defaultChild as CfnResource, role.node.defaultChild as CfnResource);
    Validations.of(this.handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node 22 is the runtime the architecture fixes; the bundle targets Node 20 and is tested there, so a runtime upgrade is a deliberate, tested change.',
    });

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Trellis tenant REST API (v1)',
      defaultIntegration: new HttpLambdaIntegration('Handler', this.handler),
      createDefaultStage: false,
    });
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
