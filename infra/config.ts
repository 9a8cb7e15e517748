import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** Deployment settings, read from CDK context (`cdk.json` or `-c key=value`); every one has a first-deploy default. */
/** How proxies reach the xDS port: an internet-facing NLB, or a VPC endpoint service (PrivateLink) in front of an internal one. */
export type XdsExposure = 'internet' | 'privatelink';

export interface TrellisConfig {
  /** `trellis:deploymentName`: prefix of the two stack names (`<name>Data`, `<name>Service`); every physical name derives from them. */
  deploymentName: string;
  /** `trellis:fleetMinTasks`: xds-server replicas that always run (also the desired count). */
  fleetMinTasks: number;
  /** `trellis:fleetMaxTasks`: the CPU autoscaling ceiling. */
  fleetMaxTasks: number;
  /** `trellis:apiThrottleRate`: steady requests per second on the API's default route. */
  apiThrottleRate: number;
  /** `trellis:apiThrottleBurst`: the token-bucket burst on the API's default route. */
  apiThrottleBurst: number;
  /** `trellis:logRetentionDays`: retention of every log group the app creates. */
  logRetentionDays: RetentionDays;
  /** `trellis:alarmEmail`: subscribed to the alarm topic when set. */
  alarmEmail?: string;
  /** `trellis:natGateways`: NAT gateways for the fleet's private subnets (1 is cheap; 2 survives an AZ outage). */
  natGateways: number;
  /** `trellis:xdsIngressCidr`: who may open xDS connections to the NLB (proxies authenticate with mTLS either way). */
  xdsIngressCidr: string;
  /** `trellis:eventArchiveDays`: how long change events are kept for replay. */
  eventArchiveDays: number;
  /** `trellis:xdsMtls`: proxies must present a workload certificate from the CA (off only for a first trial without sidecar certificates). */
  xdsMtls: boolean;
  /** `trellis:xdsExposure`: `internet` (NLB with a public address) or `privatelink` (endpoint service; tenants add interface endpoints). */
  xdsExposure: XdsExposure;
  /** `trellis:privateLinkPrincipals`: comma-separated IAM principal ARNs that may create endpoints to the service (privatelink only). */
  privateLinkPrincipals: string[];
}

export const DEFAULT_CONFIG: TrellisConfig = {
  deploymentName: 'Trellis',
  fleetMinTasks: 2,
  fleetMaxTasks: 6,
  apiThrottleRate: 50,
  apiThrottleBurst: 100,
  logRetentionDays: RetentionDays.ONE_MONTH,
  natGateways: 1,
  xdsIngressCidr: '0.0.0.0/0',
  eventArchiveDays: 30,
  xdsMtls: true,
  xdsExposure: 'internet',
  privateLinkPrincipals: [],
};

// A CloudFormation stack name less the "Service" suffix: letters, digits and "-", starting with a letter.
const DEPLOYMENT_NAME = /^[A-Za-z][A-Za-z0-9-]{0,99}$/;
const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

const RETENTION_VALUES = new Set<number>(Object.values(RetentionDays).filter((v): v is number => typeof v === 'number'));

function integer(scope: Construct, key: string, fallback: number, min: number): number {
  const raw: unknown = scope.node.tryGetContext(`trellis:${key}`);
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`context trellis:${key} must be an integer >= ${min} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

function flag(scope: Construct, key: string, fallback: boolean): boolean {
  const raw: unknown = scope.node.tryGetContext(`trellis:${key}`);
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context trellis:${key} must be true or false (got ${JSON.stringify(raw)})`);
}

function text(scope: Construct, key: string): string | undefined {
  const raw: unknown = scope.node.tryGetContext(`trellis:${key}`);
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`context trellis:${key} must be a string (got ${JSON.stringify(raw)})`);
  return raw;
}

/** Reads `trellis:*` context with defaults, and refuses values that would only fail at deploy time. */
export function readConfig(scope: Construct): TrellisConfig {
  const fleetMinTasks = integer(scope, 'fleetMinTasks', DEFAULT_CONFIG.fleetMinTasks, 1);
  const fleetMaxTasks = integer(scope, 'fleetMaxTasks', Math.max(DEFAULT_CONFIG.fleetMaxTasks, fleetMinTasks), 1);
  if (fleetMaxTasks < fleetMinTasks) throw new Error(`context trellis:fleetMaxTasks (${fleetMaxTasks}) is below trellis:fleetMinTasks (${fleetMinTasks})`);
  const logRetentionDays = integer(scope, 'logRetentionDays', DEFAULT_CONFIG.logRetentionDays, 1);
  if (!RETENTION_VALUES.has(logRetentionDays)) {
    throw new Error(`context trellis:logRetentionDays must be a CloudWatch Logs retention (${[...RETENTION_VALUES].sort((a, b) => a - b).join(', ')})`);
  }
  const natGateways = integer(scope, 'natGateways', DEFAULT_CONFIG.natGateways, 1);
  if (natGateways > 2) throw new Error('context trellis:natGateways must be 1 or 2 (the VPC spans two AZs)');
  const deploymentName = text(scope, 'deploymentName') ?? DEFAULT_CONFIG.deploymentName;
  if (!DEPLOYMENT_NAME.test(deploymentName)) throw new Error(`context trellis:deploymentName must start with a letter and hold only letters, digits and "-" (at most 100), got ${JSON.stringify(deploymentName.slice(0, 120))}`);
  const xdsExposure = text(scope, 'xdsExposure') ?? DEFAULT_CONFIG.xdsExposure;
  if (xdsExposure !== 'internet' && xdsExposure !== 'privatelink') throw new Error(`context trellis:xdsExposure must be internet or privatelink (got ${JSON.stringify(xdsExposure.slice(0, 40))})`);
  const privateLinkPrincipals = (text(scope, 'privateLinkPrincipals') ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const badPrincipal = privateLinkPrincipals.find((p) => !PRINCIPAL_ARN.test(p));
  if (badPrincipal !== undefined) throw new Error(`context trellis:privateLinkPrincipals must be IAM principal ARNs (arn:aws:iam::<account>:root, :role/…, :user/…), got ${JSON.stringify(badPrincipal.slice(0, 120))}`);
  if (privateLinkPrincipals.length > 0 && xdsExposure !== 'privatelink') throw new Error('context trellis:privateLinkPrincipals applies only with trellis:xdsExposure=privatelink');
  return {
    deploymentName,
    fleetMinTasks,
    fleetMaxTasks,
    apiThrottleRate: integer(scope, 'apiThrottleRate', DEFAULT_CONFIG.apiThrottleRate, 1),
    apiThrottleBurst: integer(scope, 'apiThrottleBurst', DEFAULT_CONFIG.apiThrottleBurst, 1),
    logRetentionDays: logRetentionDays as RetentionDays,
    alarmEmail: text(scope, 'alarmEmail'),
    natGateways,
    xdsIngressCidr: text(scope, 'xdsIngressCidr') ?? DEFAULT_CONFIG.xdsIngressCidr,
    eventArchiveDays: integer(scope, 'eventArchiveDays', DEFAULT_CONFIG.eventArchiveDays, 1),
    xdsMtls: flag(scope, 'xdsMtls', DEFAULT_CONFIG.xdsMtls),
    xdsExposure,
    privateLinkPrincipals,
  };
}
