import { paginateListInstances, paginateListNamespaces, paginateListServices, type ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import type { CloudMapInstance, CloudMapInstanceLister } from '../../../registry/cloud-map-entries.ts';

/** A Cloud Map namespace or service that the source names and the account does not have. */
export class CloudMapNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Lists a Cloud Map service's instances (by namespace and service name) with AWS Cloud Map's control-plane API. */
export class ServiceDiscoveryInstances implements CloudMapInstanceLister {
  constructor(private readonly client: ServiceDiscoveryClient) {}

  async list(namespaceName: string, serviceName: string): Promise<CloudMapInstance[]> {
    const namespaceId = await this.namespaceId(namespaceName);
    const serviceId = await this.serviceId(namespaceId, namespaceName, serviceName);
    const instances: CloudMapInstance[] = [];
    for await (const page of paginateListInstances({ client: this.client }, { ServiceId: serviceId })) {
      for (const i of page.Instances ?? []) if (i.Id) instances.push({ id: i.Id, attributes: { ...i.Attributes } });
    }
    return instances;
  }

  private async namespaceId(name: string): Promise<string> {
    for await (const page of paginateListNamespaces({ client: this.client }, {})) {
      const found = page.Namespaces?.find((n) => n.Name === name);
      if (found?.Id) return found.Id;
    }
    throw new CloudMapNotFoundError(`Cloud Map namespace ${name} does not exist`);
  }

  private async serviceId(namespaceId: string, namespaceName: string, name: string): Promise<string> {
    for await (const page of paginateListServices({ client: this.client }, { Filters: [{ Name: 'NAMESPACE_ID', Values: [namespaceId], Condition: 'EQ' }] })) {
      const found = page.Services?.find((s) => s.Name === name);
      if (found?.Id) return found.Id;
    }
    throw new CloudMapNotFoundError(`Cloud Map service ${name} does not exist in namespace ${namespaceName}`);
  }
}
