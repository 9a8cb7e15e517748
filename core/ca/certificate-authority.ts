export interface IssueRequest {
  /** PKCS#10 CSR, PEM. The CA uses only its public key; identity comes from `spiffeId`. */
  csrPem: string;
  /** The identity the caller authenticated as: `spiffe://<td>/ns/<ns>/sa/<sa>`. */
  spiffeId: string;
  ttlSeconds: number;
}

export interface IssuedCertificate {
  /** Leaf first, then intermediates (if any), PEM. */
  certificateChainPem: string;
  /** Every root a peer should trust (two during a root rotation), PEM. */
  trustBundlePem: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

/** The CertificateAuthority port: the embedded CA locally, ACM PCA in AWS. */
export interface CertificateAuthority {
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  trustBundle(): Promise<string>;
}
