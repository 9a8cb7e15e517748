import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from './storage.ts';

/**
 * Sidecars' golden-signal reports summed per service, version and 10-second slot
 * (core/adapters/aws/dynamodb-signals): a table of its own, since every item expires within
 * about 15 minutes and the config table's backups and protection would only cost.
 */
export class GoldenSignals extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Live state rebuilt by the next reports: nothing to keep when the stack goes.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason: 'Every item expires (TTL) within the 900-second signal window and the sidecars report again every period: a restored copy would hold nothing a read could use.',
    });
  }

  /** The API: records reports and reads signals. */
  grantReportAndRead(grantee: IGrantable): void {
    this.table.grant(grantee, 'dynamodb:UpdateItem', 'dynamodb:Query');
  }
}
