import { ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { CloudMapInstanceLister } from '../../../registry/cloud-map-entries.ts';
import { ServiceDiscoveryInstances } from './service-discovery-instances.ts';

/** How the xds-server reaches Cloud Map: an endpoint (the local emulator) and credentials, else the SDK's defaults. */
export interface CloudMapClientOptions {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** STS for assuming tenants' roles; default the same endpoint, region and credentials. */
  stsEndpoint?: string;
}

/** What one mesh's settings say about reaching its Cloud Map services. */
export interface CloudMapAccess {
  tenantId: string;
  region?: string;
  /** The tenant's role in the account holding the services; assumed with the tenant id as external ID. */
  roleArn?: string;
}

/** `TRELLIS_CLOUD_MAP_ENDPOINT` (e.g. the AWS emulator's URL) and `TRELLIS_CLOUD_MAP_REGION`; credentials from the SDK's chain. */
export function cloudMapClientOptionsFromEnv(env: NodeJS.ProcessEnv): CloudMapClientOptions {
  const endpoint = env.TRELLIS_CLOUD_MAP_ENDPOINT || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(endpoint)) throw new Error(`TRELLIS_CLOUD_MAP_ENDPOINT must be an http(s) URL (got ${JSON.stringify(endpoint.slice(0, 80))})`);
  const region = env.TRELLIS_CLOUD_MAP_REGION || undefined;
  return { ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}

const SESSION_SECONDS = 900;

/**
 * One Cloud Map client per access (tenant, region, role), made once and reused. With a role, the
 * client's credentials are the role's, assumed (and renewed before they expire) with the tenant id
 * as external ID, so a role trusts Trellis only on behalf of the tenant that owns it.
 */
export class CloudMapListers {
  private readonly clients = new Map<string, ServiceDiscoveryClient>();
  private sts: STSClient | undefined;

  constructor(private readonly options: CloudMapClientOptions = {}) {}

  listerFor(access: CloudMapAccess): CloudMapInstanceLister {
    const key = JSON.stringify([access.roleArn ? access.tenantId : '', access.region ?? '', access.roleArn ?? '']);
    let client = this.clients.get(key);
    if (!client) {
      const region = access.region ?? this.options.region;
      client = new ServiceDiscoveryClient({
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(region ? { region } : {}),
        ...(access.roleArn ? { credentials: this.assumed(access.roleArn, access.tenantId) } : this.options.credentials ? { credentials: this.options.credentials } : {}),
      });
      this.clients.set(key, client);
    }
    return new ServiceDiscoveryInstances(client);
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
    this.sts?.destroy();
  }

  private assumed(roleArn: string, tenantId: string) {
    return async () => {
      this.sts ??= new STSClient({
        ...((this.options.stsEndpoint ?? this.options.endpoint) ? { endpoint: this.options.stsEndpoint ?? this.options.endpoint } : {}),
        ...(this.options.region ? { region: this.options.region } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      });
      const out = await this.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `trellis-cloud-map-${tenantId}`.slice(0, 64), ExternalId: tenantId, DurationSeconds: SESSION_SECONDS }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`assuming ${roleArn} returned no credentials`);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}), ...(c.Expiration ? { expiration: c.Expiration } : {}) };
    };
  }
}
