import type { KeyAlgorithm, SigningAlgorithm } from '@aws-sdk/client-acm-pca';

/** The signature a CA key makes when none is configured: SHA-256 for P-256/RSA, SHA-384 for P-384. */
const BY_KEY: Record<string, SigningAlgorithm> = {
  EC_prime256v1: 'SHA256WITHECDSA',
  EC_secp384r1: 'SHA384WITHECDSA',
  EC_secp521r1: 'SHA512WITHECDSA',
  RSA_2048: 'SHA256WITHRSA',
  RSA_3072: 'SHA256WITHRSA',
  RSA_4096: 'SHA256WITHRSA',
};

export function signingAlgorithmFor(keyAlgorithm: KeyAlgorithm | undefined): SigningAlgorithm | undefined {
  return keyAlgorithm ? BY_KEY[keyAlgorithm] : undefined;
}
