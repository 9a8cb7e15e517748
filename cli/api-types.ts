import type { ConfigPreview } from '../core/proxies/config-preview.ts';
import type { RevisionRecord } from '../core/store/config-store.ts';
import type { ProxyStatus } from '../core/proxies/proxy-status.ts';
import type { RegisteredWorkload } from '../core/registry/workload-registry.ts';
import type { StoredResource } from '../core/resources/resource.ts';

/** Shapes of API responses the CLI reads (the API's OpenAPI document is the reference). */
export interface MeshView {
  name: string;
  settings: Record<string, unknown>;
  version: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** An analyzer finding (apply and dry-run responses may carry them). */
export interface Warning {
  code: string;
  message: string;
  path?: string;
}

export interface ApplyResult {
  dryRun: boolean;
  revision: number;
  created: boolean;
  results: { kind: string; namespace: string; name: string; action: 'created' | 'updated' | 'unchanged' }[];
  warnings?: Warning[];
  /** Dry run: per connected proxy group, the Envoy resources that would change (where the server translates in process). */
  proxies?: ConfigPreview;
}

export type Revision = RevisionRecord & {
  /** Convergence, when the API reports it: proxies that hold the revision, and commit-to-last-ACK time once all do. */
  convergence?: { proxies: number; acked: number; seconds?: number };
};

/** A proxy as `GET /v1/meshes/{mesh}/proxies` returns it: the core status, scoped to the mesh, with time left on its certificate. */
export type ProxyView = Omit<ProxyStatus, 'tenantId' | 'mesh' | 'certificate'> & {
  certificate?: NonNullable<ProxyStatus['certificate']> & { expiresInSeconds: number };
};

/** A registry entry as `GET /v1/meshes/{mesh}/workloads` returns it: live state, never a config revision. */
export type WorkloadView = Omit<RegisteredWorkload, 'tenantId' | 'mesh'>;

export type { StoredResource };
