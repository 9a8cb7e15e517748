export { EmbeddedCredentialStore } from './embedded-credential-store.ts';
