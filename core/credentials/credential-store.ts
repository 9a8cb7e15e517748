/** A TLS credential as a tenant uploads it (PEM): a gateway server certificate, its key, and optionally CA certificates that verify clients. */
export interface TlsCredentialMaterial {
  certificateChain: string;
  privateKey: string;
  caCertificates?: string;
}

/** What the API shows of a credential: never the private key. */
export interface TlsCredentialMetadata {
  namespace: string;
  name: string;
  /** Subject DN of the leaf certificate. */
  subject: string;
  issuer: string;
  /** DNS and URI subject alternative names of the leaf, as `DNS:…` / `URI:…`. */
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  /** Hex SHA-256 of the leaf certificate (DER). */
  sha256Fingerprint: string;
  chainLength: number;
  /** Number of client CA certificates (MUTUAL); 0 when none. */
  caCertificates: number;
  updatedAt: string;
}

export interface StoredCredential {
  metadata: TlsCredentialMetadata;
  material: TlsCredentialMaterial;
}

/**
 * The CredentialStore port: uploaded gateway credentials per tenant mesh, kept apart from the
 * mesh config so keys never enter revision history (a rollback cannot resurrect a replaced
 * key, a deleted key is gone). Implementations keep private keys encrypted at rest; only
 * `materials` returns them, for the xDS server. Tenant, mesh, namespace and name are DNS labels;
 * a store refuses anything else with a ValidationError (they become paths and keys).
 */
export interface CredentialStore {
  /** Creates or replaces; `created` tells which. */
  put(tenantId: string, mesh: string, credential: StoredCredential): Promise<{ created: boolean }>;
  get(tenantId: string, mesh: string, namespace: string, name: string): Promise<TlsCredentialMetadata | undefined>;
  /** Ordered by namespace, then name. */
  list(tenantId: string, mesh: string): Promise<TlsCredentialMetadata[]>;
  /** False when there was nothing to delete. */
  delete(tenantId: string, mesh: string, namespace: string, name: string): Promise<boolean>;
  /** Removes every credential of the mesh (the mesh is being deleted). */
  deleteMesh(tenantId: string, mesh: string): Promise<void>;
  /** Every credential of the mesh with its key, by `namespace/name`: what gateways of the mesh may be served. */
  materials(tenantId: string, mesh: string): Promise<Map<string, TlsCredentialMaterial>>;
}
