import type { CertificateAuthority } from './certificate-authority.ts';

export interface IssueObserver {
  issued?(): void;
  failed?(err: unknown): void;
}

/** The CA with each issue's outcome reported (metrics, alarms); results and errors pass through unchanged. */
export function observingIssues(ca: CertificateAuthority, observer: IssueObserver): CertificateAuthority {
  return {
    issue: async (request) => {
      try {
        const certificate = await ca.issue(request);
        observer.issued?.();
        return certificate;
      } catch (err) {
        observer.failed?.(err);
        throw err;
      }
    },
    trustBundle: () => ca.trustBundle(),
  };
}
