import { z } from 'zod';

const TLS_PROTOCOL = z.enum(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3']);

const TLSCertificate = z.strictObject({
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
});

/** TLS a gateway or sidecar listener terminates (Gateway servers, Sidecar ingress). */
export const ServerTLSSettings = z
  .strictObject({
    httpsRedirect: z.boolean().optional(),
    mode: z.enum(['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']).optional(),
    serverCertificate: z.string().optional(),
    privateKey: z.string().optional(),
    caCertificates: z.string().optional(),
    caCrl: z.string().optional(),
    credentialName: z.string().optional(),
    credentialNames: z.array(z.string()).min(1).max(2).optional(),
    caCertCredentialName: z.string().optional(),
    tlsCertificates: z.array(TLSCertificate).min(1).max(2).optional(),
    subjectAltNames: z.array(z.string()).optional(),
    verifyCertificateSpki: z.array(z.string()).optional(),
    verifyCertificateHash: z.array(z.string()).optional(),
    minProtocolVersion: TLS_PROTOCOL.optional(),
    maxProtocolVersion: TLS_PROTOCOL.optional(),
    cipherSuites: z.array(z.string()).optional(),
  })
  .meta({ id: 'ServerTLSSettings' });

export type ServerTLSSettings = z.infer<typeof ServerTLSSettings>;
