import { z } from 'zod';

/** TLS from a sidecar or gateway to an upstream (DestinationRule). */
export const ClientTLSSettings = z
  .strictObject({
    mode: z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']).optional(),
    clientCertificate: z.string().optional(),
    privateKey: z.string().optional(),
    caCertificates: z.string().optional(),
    credentialName: z.string().optional(),
    subjectAltNames: z.array(z.string()).optional(),
    sni: z.string().optional(),
    insecureSkipVerify: z.boolean().optional(),
    caCrl: z.string().optional(),
  })
  .meta({ id: 'ClientTLSSettings' });

export type ClientTLSSettings = z.infer<typeof ClientTLSSettings>;
