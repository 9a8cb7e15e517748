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

/** When to renew `cert`: a pure function of the certificate, the policy and one draw of `random` in [0, 1). */
export function rotationTime(cert: Lifetime, policy: RotationPolicy, random: () => number): Date {
  const start = cert.notBefore.getTime();
  const lifetime = cert.notAfter.getTime() - start;
  const ratio = Math.min(Math.max(policy.ratio, 0), 1);
  const jitter = Math.min(Math.max(policy.jitter, 0), ratio);
  const fraction = ratio - jitter * Math.min(Math.max(random(), 0), 1);
  return new Date(start + Math.max(0, lifetime) * fraction);
}
