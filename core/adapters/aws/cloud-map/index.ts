export { CloudMapNotFoundError, ServiceDiscoveryInstances } from './service-discovery-instances.ts';
export { CloudMapListers, cloudMapClientOptionsFromEnv, type CloudMapAccess, type CloudMapClientOptions } from './cloud-map-listers.ts';
