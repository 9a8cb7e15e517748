export type { CredentialStore, StoredCredential, TlsCredentialMaterial, TlsCredentialMetadata } from './credential-store.ts';
export { requireCredentialPlace, validateCredentialPlace, type CredentialPlace } from './credential-place.ts';
export { CREDENTIAL_LIMITS, validateCredential } from './validate-credential.ts';
