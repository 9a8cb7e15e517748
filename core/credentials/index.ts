export type { CredentialStore, StoredCredential, TlsCredentialMaterial, TlsCredentialMetadata } from './credential-store.ts';
export { CREDENTIAL_LIMITS, validateCredential } from './validate-credential.ts';
