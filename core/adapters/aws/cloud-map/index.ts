export { CloudMapNotFoundError, ServiceDiscoveryInstances } from './service-discovery-instances.ts';
