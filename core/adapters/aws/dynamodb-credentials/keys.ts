/**
 * Items of the credentials table (string keys `PK`, `SK`; a table of its own, see
 * dynamodb-credential-store.ts for why):
 *
 * | PK                     | SK                   | holds                                                        |
 * |------------------------|----------------------|--------------------------------------------------------------|
 * | `CRED#<tenant>#<mesh>` | `<namespace>#<name>` | `metadata` (JSON), `certificateChain`, `caCertificates`?,     |
 * |                        |                      | and the private key sealed: `dataKey` (KMS ciphertext of the  |
 * |                        |                      | AES-256 data key), `iv`, `tag`, `sealedKey` (binary)          |
 *
 * Every part is a DNS label (checked before a key is made), and `#` sorts below every character
 * a label may hold, so a Query of the partition returns credentials by namespace, then name.
 */
import type { ItemKey } from '../dynamodb-store/keys.ts';

export const meshPartition = (tenantId: string, mesh: string): string => `CRED#${tenantId}#${mesh}`;

export const credentialKey = (tenantId: string, mesh: string, namespace: string, name: string): ItemKey => ({ PK: meshPartition(tenantId, mesh), SK: `${namespace}#${name}` });

/**
 * The KMS encryption context (and GCM additional data) of a credential's key: where it lives.
 * KMS refuses to decrypt a data key under any other context, so an item copied to another
 * tenant, mesh or name does not open.
 */
export function encryptionContext(tenantId: string, mesh: string, namespace: string, name: string): Record<string, string> {
  return { 'trellis:tenant': tenantId, 'trellis:mesh': mesh, 'trellis:credential': `${namespace}/${name}` };
}
