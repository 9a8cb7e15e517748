import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AcmPcaCertificateAuthority } from '../core/adapters/aws/acm-pca/index.ts';
import { observingIssues } from '../core/ca/observing-issues.ts';
import { DynamoDbLedger } from '../core/adapters/aws/dynamodb-ledger/index.ts';
import type { XdsMtlsOptions } from './control/mtls.ts';

/**
 * mTLS for the ECS fleet when `TRELLIS_XDS_MTLS=true`: the serving certificate and trust bundle
 * from ACM PCA (`TRELLIS_CA_ARN`), and trust-domain owners from the ledger the API writes when it
 * issues certificates (the config table). Undefined when mTLS is off (`false` or unset).
 */
export function awsMtlsFromEnv(env: NodeJS.ProcessEnv, dynamoDb: DynamoDBClient, tableName: string, onIssueFailure?: (err: unknown) => void): XdsMtlsOptions | undefined {
  const flag = env.TRELLIS_XDS_MTLS ?? 'false';
  if (flag !== 'true' && flag !== 'false') throw new Error(`TRELLIS_XDS_MTLS must be true or false (got ${flag})`);
  if (flag === 'false') return undefined;
  const caArn = env.TRELLIS_CA_ARN;
  if (!caArn) throw new Error('TRELLIS_XDS_MTLS=true needs TRELLIS_CA_ARN');
  // TRELLIS_CA_TEMPLATE_ARN as for the API: only for a CA without API passthrough.
  const templateArn = env.TRELLIS_CA_TEMPLATE_ARN;
  const ca = new AcmPcaCertificateAuthority({ client: new ACMPCAClient({}), certificateAuthorityArn: caArn, ...(templateArn && { templateArn }) });
  return {
    ca: onIssueFailure ? observingIssues(ca, { failed: onIssueFailure }) : ca,
    ledger: new DynamoDbLedger({ client: dynamoDb, tableName }),
  };
}
