import type { ErrorDetail, SdsDeltaRequest, SdsDeltaResponse, SdsRequest, SdsResponse } from './sds-codec.ts';
import { SECRET_TYPE_URL, type EncodedSecrets } from './secrets.ts';

/** What a stream needs from the server: the current secrets, and where to report ACKs and NACKs. */
export interface SecretSource {
  current(): { version: string; secrets: EncodedSecrets } | undefined;
  acked(version: string): void;
  nacked(version: string, message: string): void;
}

const errorMessage = (detail: ErrorDetail) => detail.message ?? 'rejected';

/** One state-of-the-world StreamSecrets stream: the requested names, answered whole at each version. */
export class SotwSecretStream {
  private names = new Set<string>();
  private nonce = '';
  private sentVersion = '';
  private counter = 0;

  constructor(
    private readonly source: SecretSource,
    private readonly write: (m: SdsResponse) => void,
  ) {}

  onRequest(req: SdsRequest): void {
    if (req.type_url && req.type_url !== SECRET_TYPE_URL) return;
    const nonce = req.response_nonce ?? '';
    // An answer to an older response: a newer one is on its way to the proxy.
    if (nonce !== '' && nonce !== this.nonce) return;
    if (req.error_detail) {
      this.source.nacked(req.version_info ?? '', errorMessage(req.error_detail));
      return;
    }
    const names = new Set(req.resource_names);
    const changed = names.size !== this.names.size || [...names].some((n) => !this.names.has(n));
    this.names = names;
    if (nonce !== '' && !changed) {
      this.source.acked(req.version_info ?? '');
      return;
    }
    this.push(changed);
  }

  /** Sends the subscribed secrets at the current version, unless this stream already has it (a new subscription set forces an answer). */
  push(force = false): void {
    const current = this.source.current();
    // Before the first certificate there is nothing to say; Envoy waits (its listeners stay warming).
    if (!current || this.names.size === 0) return;
    if (!force && current.version === this.sentVersion) return;
    const resources = [...this.names].flatMap((n) => {
      const s = current.secrets.get(n);
      return s ? [s] : [];
    });
    this.nonce = `${current.version}-${++this.counter}`;
    this.sentVersion = current.version;
    this.write({ version_info: current.version, resources, type_url: SECRET_TYPE_URL, nonce: this.nonce });
  }

  onNewVersion(): void {
    this.push();
  }
}

/** One incremental DeltaSecrets stream: subscriptions change one name at a time; only news is sent. */
export class DeltaSecretStream {
  private readonly has = new Map<string, string>();
  private readonly names = new Set<string>();
  private counter = 0;
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly source: SecretSource,
    private readonly write: (m: SdsDeltaResponse) => void,
  ) {}

  onRequest(req: SdsDeltaRequest): void {
    if (req.type_url && req.type_url !== SECRET_TYPE_URL) return;
    const nonce = req.response_nonce ?? '';
    if (nonce !== '') {
      const version = this.pending.get(nonce);
      this.pending.delete(nonce);
      if (version !== undefined) {
        if (req.error_detail) this.source.nacked(version, errorMessage(req.error_detail));
        else this.source.acked(version);
      }
    }
    for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) this.has.set(name, version);
    for (const name of req.resource_names_subscribe ?? []) this.names.add(name);
    for (const name of req.resource_names_unsubscribe ?? []) {
      this.names.delete(name);
      this.has.delete(name);
    }
    this.push();
  }

  push(): void {
    const current = this.source.current();
    if (!current) return;
    const resources = [...this.names].flatMap((name) => {
      const resource = current.secrets.get(name);
      if (!resource || this.has.get(name) === current.version) return [];
      this.has.set(name, current.version);
      return [{ name, version: current.version, resource }];
    });
    if (resources.length === 0) return;
    const nonce = `${current.version}-${++this.counter}`;
    // Bounded: at most a few responses are ever unanswered.
    if (this.pending.size > 16) this.pending.clear();
    this.pending.set(nonce, current.version);
    this.write({ system_version_info: current.version, resources, type_url: SECRET_TYPE_URL, removed_resources: [], nonce });
  }

  onNewVersion(): void {
    this.push();
  }
}
