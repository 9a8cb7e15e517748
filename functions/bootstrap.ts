import type { ConfigStore } from '../core/store/config-store.ts';
import { apiKeyShapeProblem, derivedKeyId, generateApiKey, hashApiKey } from './api-keys.ts';

export const DEFAULT_TENANT = 'default';

/** The operator chose a bootstrap key no request could ever present: refuse to start rather than answer 401 to everything. */
export class InvalidBootstrapKeyError extends Error {
  constructor(problem: string) {
    super(`TRELLIS_BOOTSTRAP_KEY cannot be used: ${problem}. Choose another (e.g. \`openssl rand -base64 32\`), or unset it to have one generated.`);
    this.name = 'InvalidBootstrapKeyError';
  }
}

export interface BootstrapResult {
  /** The admin key secret when this call created one (first start without TRELLIS_BOOTSTRAP_KEY). */
  createdKey?: string;
  tenantCreated: boolean;
}

/**
 * First start: tenant `default` and an operator admin key. With `bootstrapKey` that key is
 * (idempotently) the admin key; without it a random key is made only if no admin key exists.
 */
export async function ensureBootstrap(store: ConfigStore, options: { bootstrapKey?: string; now?: () => Date }): Promise<BootstrapResult> {
  const now = options.now ?? (() => new Date());
  const keyProblem = options.bootstrapKey !== undefined ? apiKeyShapeProblem(options.bootstrapKey) : undefined;
  if (keyProblem) throw new InvalidBootstrapKeyError(keyProblem);
  let tenantCreated = false;
  if (!(await store.getTenant(DEFAULT_TENANT))) {
    await store.createTenant({ id: DEFAULT_TENANT, displayName: 'Default tenant' });
    tenantCreated = true;
  }
  const keys = await store.listApiKeys(DEFAULT_TENANT);
  if (options.bootstrapKey) {
    const hash = hashApiKey(options.bootstrapKey);
    if (!keys.some((k) => k.hash === hash)) {
      await store.createApiKey({ id: derivedKeyId(options.bootstrapKey), tenantId: DEFAULT_TENANT, hash, role: 'admin', description: 'bootstrap key (TRELLIS_BOOTSTRAP_KEY)', createdAt: now().toISOString() });
    }
    return { tenantCreated };
  }
  if (keys.some((k) => k.role === 'admin')) return { tenantCreated };
  const key = generateApiKey();
  await store.createApiKey({ id: key.id, tenantId: DEFAULT_TENANT, hash: key.hash, role: 'admin', description: 'operator admin key (first start)', createdAt: now().toISOString() });
  return { tenantCreated, createdKey: key.secret };
}
