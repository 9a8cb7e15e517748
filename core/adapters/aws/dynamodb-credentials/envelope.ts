import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { TrellisError } from '../../../errors.ts';

/** KMS refused or failed to wrap or unwrap a credential's data key. */
export class CredentialKeyError extends TrellisError {}

/** A private key sealed under a fresh AES-256 data key, with that data key as KMS encrypted it. */
export interface SealedKey {
  dataKey: Uint8Array;
  iv: Uint8Array;
  tag: Uint8Array;
  sealedKey: Uint8Array;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The additional data of the GCM seal: the encryption context in a fixed order. */
function additionalData(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** Identifies one sealed value: equal versions open to the same plaintext. */
export function versionOf(sealed: SealedKey): string {
  const hash = createHash('sha256');
  for (const part of [sealed.dataKey, sealed.iv, sealed.tag, sealed.sealedKey]) hash.update(part).update('\0');
  return hash.digest('base64');
}

/**
 * Envelope encryption with one KMS key: GenerateDataKey per seal, Decrypt per open, both under
 * the credential's encryption context. Plaintext data keys live only for one call.
 */
export class KmsEnvelope {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(context: Record<string, string>, plaintext: string, what: string): Promise<SealedKey> {
    let generated;
    try {
      generated = await this.kms.send(new GenerateDataKeyCommand({ KeyId: this.keyId, KeySpec: 'AES_256', EncryptionContext: context }));
    } catch (error) {
      throw new CredentialKeyError(`KMS GenerateDataKey for ${what} failed: ${describe(error)}`, { cause: error });
    }
    const { Plaintext: key, CiphertextBlob: dataKey } = generated;
    if (!key || !dataKey) throw new CredentialKeyError(`KMS GenerateDataKey for ${what} returned no key`);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(additionalData(context));
      const sealedKey = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return { dataKey, iv, tag: cipher.getAuthTag(), sealedKey };
    } finally {
      key.fill(0);
    }
  }

  async open(context: Record<string, string>, sealed: SealedKey, what: string): Promise<string> {
    let decrypted;
    try {
      decrypted = await this.kms.send(new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: sealed.dataKey, EncryptionContext: context }));
    } catch (error) {
      throw new CredentialKeyError(`KMS Decrypt of the data key of ${what} failed: ${describe(error)}`, { cause: error });
    }
    const key = decrypted.Plaintext;
    if (!key) throw new CredentialKeyError(`KMS Decrypt of the data key of ${what} returned no key`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv).setAAD(additionalData(context));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.sealedKey), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new CredentialKeyError(`the sealed private key of ${what} does not open: ${describe(error)}`, { cause: error });
    } finally {
      key.fill(0);
    }
  }
}
