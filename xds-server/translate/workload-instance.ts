/** A running workload the server learned about (a connected sidecar), as an endpoint candidate. */
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
}
