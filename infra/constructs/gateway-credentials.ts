import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PARTITION_KEY, SORT_KEY } from './storage.ts';

/**
 * Tenants' gateway TLS credentials (core/adapters/aws/dynamodb-credentials): a table of their
 * own, so the fleet can be granted it read-only, and a KMS key that wraps each credential's
 * data key. The API may only wrap (GenerateDataKey), the fleet only unwrap (Decrypt).
 */
export class GatewayCredentials extends Construct {
  readonly table: Table;
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Wraps the data keys that seal Trellis gateway credential private keys',
      enableKeyRotation: true,
      // Without it no stored private key opens again: kept with the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table = new Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The API: create, replace, show, list and delete credentials; seal keys it can never open. */
  grantManage(grantee: IGrantable): void {
    this.table.grantReadWriteData(grantee);
    this.key.grant(grantee, 'kms:GenerateDataKey');
  }

  /** The xds-server fleet: read credentials and open their keys, change nothing. */
  grantServe(grantee: IGrantable): void {
    this.table.grantReadData(grantee);
    this.key.grantDecrypt(grantee);
  }
}
