import { z } from 'zod';

/** App Mesh's limits: names are 1–255 characters; lists in a spec are short. */
export const MAX_NAME = 255;
export const Name = z.string().min(1).max(MAX_NAME);
export const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max);

export const Duration = z.strictObject({
  unit: z.enum(['s', 'ms']),
  value: z.int().min(0).max(1_000_000_000),
});
export type Duration = z.infer<typeof Duration>;

export const Port = z.int().min(1).max(65535);
export const ListenerProtocol = z.enum(['http', 'http2', 'grpc', 'tcp']);
export type ListenerProtocol = z.infer<typeof ListenerProtocol>;
export const PortMapping = z.strictObject({ port: Port, protocol: ListenerProtocol });
export type PortMapping = z.infer<typeof PortMapping>;

/** Exactly one way to match a header or gRPC metadata value. */
export const HeaderMatchMethod = z
  .strictObject({
    exact: z.string().min(1).max(255).optional(),
    prefix: z.string().min(1).max(255).optional(),
    suffix: z.string().min(1).max(255).optional(),
    regex: z.string().min(1).max(255).optional(),
    range: z.strictObject({ start: z.int(), end: z.int() }).optional(),
  })
  .refine((m) => Object.values(m).filter((v) => v !== undefined).length === 1, { message: 'set exactly one of exact, prefix, suffix, regex or range' });
export type HeaderMatchMethod = z.infer<typeof HeaderMatchMethod>;

export const HeaderMatch = z.strictObject({
  name: z.string().min(1).max(50),
  invert: z.boolean().optional(),
  match: HeaderMatchMethod.optional(),
});
export type HeaderMatch = z.infer<typeof HeaderMatch>;

export const QueryParameterMatch = z.strictObject({
  name: z.string().min(1).max(255),
  match: z.strictObject({ exact: z.string().max(255) }).optional(),
});

export const HttpPathMatch = z
  .strictObject({ exact: z.string().min(1).max(255).optional(), regex: z.string().min(1).max(255).optional() })
  .refine((p) => (p.exact === undefined) !== (p.regex === undefined), { message: 'set exactly one of exact or regex' });

export const HttpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export const SubjectAlternativeNames = z.strictObject({
  match: z.strictObject({ exact: list(z.string().min(1).max(255), 50) }),
});

const FileCertificate = z.strictObject({ certificateChain: z.string().min(1).max(255), privateKey: z.string().min(1).max(255) });
const SdsSecret = z.strictObject({ secretName: z.string().min(1).max(255) });

/** Where a listener's certificate comes from: ACM, a file on the proxy, or an SDS secret. */
export const ListenerTlsCertificate = z
  .strictObject({
    acm: z.strictObject({ certificateArn: z.string().min(1).max(2048) }).optional(),
    file: FileCertificate.optional(),
    sds: SdsSecret.optional(),
  })
  .refine((c) => [c.acm, c.file, c.sds].filter((v) => v !== undefined).length === 1, { message: 'set exactly one of acm, file or sds' });

const TrustFile = z.strictObject({ certificateChain: z.string().min(1).max(255) });

export const ListenerTlsValidation = z.strictObject({
  trust: z.strictObject({ file: TrustFile.optional(), sds: SdsSecret.optional() }),
  subjectAlternativeNames: SubjectAlternativeNames.optional(),
});

export const ListenerTls = z.strictObject({
  mode: z.enum(['STRICT', 'PERMISSIVE', 'DISABLED']),
  certificate: ListenerTlsCertificate,
  validation: ListenerTlsValidation.optional(),
});
export type ListenerTls = z.infer<typeof ListenerTls>;

export const ClientPolicy = z.strictObject({
  tls: z
    .strictObject({
      enforce: z.boolean().optional(),
      ports: list(Port, 50).optional(),
      certificate: z.strictObject({ file: FileCertificate.optional(), sds: SdsSecret.optional() }).optional(),
      validation: z.strictObject({
        trust: z.strictObject({
          acm: z.strictObject({ certificateAuthorityArns: list(z.string().min(1).max(2048), 3) }).optional(),
          file: TrustFile.optional(),
          sds: SdsSecret.optional(),
        }),
        subjectAlternativeNames: SubjectAlternativeNames.optional(),
      }),
    })
    .optional(),
});
export type ClientPolicy = z.infer<typeof ClientPolicy>;

export const BackendDefaults = z.strictObject({ clientPolicy: ClientPolicy.optional() });

export const HealthCheck = z.strictObject({
  healthyThreshold: z.int().min(2).max(10),
  intervalMillis: z.int().min(5000).max(300_000),
  path: z.string().max(255).optional(),
  port: Port.optional(),
  protocol: ListenerProtocol,
  timeoutMillis: z.int().min(2000).max(60_000),
  unhealthyThreshold: z.int().min(2).max(10),
});
export type HealthCheck = z.infer<typeof HealthCheck>;

export const Logging = z.strictObject({
  accessLog: z
    .strictObject({
      file: z.strictObject({
        path: z.string().min(1).max(255),
        format: z
          .strictObject({
            json: list(z.strictObject({ key: z.string().min(1).max(100), value: z.string().min(1).max(100) }), 50).optional(),
            text: z.string().min(1).max(1000).optional(),
          })
          .optional(),
      }),
    })
    .optional(),
});

/** Fields the App Mesh API adds to every described resource; read but not converted. */
export const ResourceMetadata = z.looseObject({
  arn: z.string().max(2048).optional(),
  version: z.number().optional(),
  uid: z.string().max(255).optional(),
});
export const ResourceStatus = z.looseObject({ status: z.string().max(32).optional() });
