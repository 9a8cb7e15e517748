export { AcmPcaCertificateAuthority, API_PASSTHROUGH_TEMPLATE } from './acm-pca-ca.ts';
export type { AcmPcaOptions } from './acm-pca-ca.ts';
export { fromAcmPcaError } from './sdk-errors.ts';
