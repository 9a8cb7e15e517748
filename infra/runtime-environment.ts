/*
 * Environment variables the CDK app hands the API Lambda and the xds-server tasks. The runtime
 * entry points read these names (they cannot import infra/), so a rename is a change on both sides.
 */
export const RUNTIME_ENV = {
  tableName: 'TRELLIS_TABLE_NAME',
  signalsTableName: 'TRELLIS_SIGNALS_TABLE_NAME',
  busName: 'TRELLIS_BUS_NAME',
  deadLetterQueueArn: 'TRELLIS_DEAD_LETTER_QUEUE_ARN',
  certificateAuthorityArn: 'TRELLIS_CA_ARN',
  bootstrapKeySecretArn: 'TRELLIS_BOOTSTRAP_KEY_SECRET_ARN',
  joinTokenSecretArn: 'TRELLIS_JOIN_TOKEN_SECRET_ARN',
  xdsMtls: 'TRELLIS_XDS_MTLS',
  metricsNamespace: 'TRELLIS_METRICS_NAMESPACE',
  // Mirror CREDENTIALS_ENV in core/adapters/aws/dynamodb-credentials/from-env.ts.
  credentialsTableName: 'TRELLIS_CREDENTIALS_TABLE_NAME',
  credentialsKeyArn: 'TRELLIS_CREDENTIALS_KEY_ARN',
} as const;
