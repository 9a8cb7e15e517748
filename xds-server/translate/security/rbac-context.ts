/** What RBAC translation needs about the workload whose inbound listener it protects. */
export interface RbacContext {
  trustDomain: string;
  /** The workload port the listener serves: `ports` and `destination.port` are decided against it. */
  appPort: number;
}
