/** A certificate's validity window. */
export interface Lifetime {
  notBefore: Date;
  notAfter: Date;
}

export interface RotationPolicy {
  /** Renew after this share of the lifetime (Istio renews at 0.5). */
  ratio: number;
  /** Spread: the renewal lands uniformly in [ratio - jitter, ratio] of the lifetime, so a fleet started together does not renew together. */
  jitter: number;
}

export const DEFAULT_ROTATION: RotationPolicy = { ratio: 0.5, jitter: 0.1 };

/**
 * When to renew `cert`, received at `receivedAt`: a pure function of the certificate, the policy, that time and one
 * draw of `random` in [0, 1). The lifetime counts from receipt when the CA backdated `notBefore` (as Istio counts
 * from issuance): with a 60 s backdate a 60 s certificate would otherwise be due for renewal the moment it arrives.
 */
export function rotationTime(cert: Lifetime, policy: RotationPolicy, random: () => number, receivedAt: Date = cert.notBefore): Date {
  const start = Math.max(cert.notBefore.getTime(), receivedAt.getTime());
  const lifetime = cert.notAfter.getTime() - start;
  const ratio = Math.min(Math.max(policy.ratio, 0), 1);
  const jitter = Math.min(Math.max(policy.jitter, 0), ratio);
  const fraction = ratio - jitter * Math.min(Math.max(random(), 0), 1);
  return new Date(start + Math.max(0, lifetime) * fraction);
}
