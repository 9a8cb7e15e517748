export { openEmbeddedCa } from './embedded-ca.ts';
export type { EmbeddedCaOptions, EmbeddedCertificateAuthority } from './embedded-ca.ts';
export type { RootAuthority } from './root-authority.ts';
