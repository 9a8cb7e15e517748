import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

// Mirrors PK and SK in core/adapters/aws/dynamodb-store/keys.ts, and GLOBAL_SECONDARY_INDEXES (none) in
// table.ts: infra imports runtime code only by entry path, so a change there must be made here too.
export const PARTITION_KEY = 'PK';
export const SORT_KEY = 'SK';
/** Items with this attribute (epoch seconds) are deleted by DynamoDB once it has passed. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The single DynamoDB table of the ConfigStore: tenants, API keys, meshes, resources, revisions. */
export class Storage extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: true,
      // Tenant config outlives any stack: deleting the stack orphans the table rather than the data.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
