/** One Envoy resource in protobufjs object form, with the name it is served under. */
export interface Named {
  name: string;
  resource: Record<string, unknown>;
}

/** Something in the mesh config that could not be translated; the rest still is. */
export interface TranslationIssue {
  /** The Istio resource, `Kind/namespace/name`. */
  resource: string;
  /** Field path inside it, e.g. `spec.http[0].route[1].destination.subset`. */
  field: string;
  message: string;
}

/** Everything one proxy (or proxy group) is served, by xDS type. */
export interface TranslationResult {
  clusters: Named[];
  endpoints: Named[];
  listeners: Named[];
  routes: Named[];
  /** SDS secrets served over ADS (gateways' uploaded credentials); absent for other proxies. */
  secrets?: Named[];
  issues: TranslationIssue[];
}
