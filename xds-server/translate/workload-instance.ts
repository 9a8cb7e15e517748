/** A running workload from the workload registry (a connected sidecar), as an endpoint candidate. */
export interface WorkloadInstance {
  name: string;
  namespace: string;
  /** IP literal the workload is reachable on. */
  address: string;
  labels: Record<string, string>;
  serviceAccount: string;
  /** Service port name → the port the workload listens on. */
  ports: Record<string, number>;
  /** `region/zone/subzone`. */
  locality?: string;
  weight?: number;
  /**
   * The SPIFFE ID it proved (its certificate) or, on plaintext local xDS, the one it claims. A
   * ServiceEntry with subjectAltNames selects it only when this is among them.
   */
  identity?: string;
}
