import type { Logger } from 'pino';
import type { ApiKeyRole } from '../core/store/config-store.ts';

/** Who is calling: resolved from the API key by the auth middleware. */
export interface Principal {
  tenantId: string;
  keyId: string;
  role: ApiKeyRole;
}

export interface ApiEnv {
  Variables: {
    principal: Principal;
    logger: Logger;
    requestId: string;
  };
}
