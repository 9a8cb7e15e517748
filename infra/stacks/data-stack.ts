import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BootstrapKey } from '../constructs/bootstrap-key.ts';
import { GatewayCredentials } from '../constructs/gateway-credentials.ts';
import { JoinTokenKey } from '../constructs/join-token-key.ts';
import { Pki } from '../constructs/pki.ts';
import { Storage } from '../constructs/storage.ts';

/** Everything stateful (tenant config, the CA's key, the first admin key, gateway credentials): retained, and protected from stack deletion. */
export class DataStack extends Stack {
  readonly storage: Storage;
  readonly pki: Pki;
  readonly bootstrapKey: BootstrapKey;
  readonly joinTokenKey: JoinTokenKey;
  readonly gatewayCredentials: GatewayCredentials;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { terminationProtection: true, description: 'Trellis state: config table, private CA, bootstrap admin key, join-token signing key, gateway credentials', ...props });
    this.storage = new Storage(this, 'Storage');
    this.pki = new Pki(this, 'Pki');
    this.bootstrapKey = new BootstrapKey(this, 'BootstrapKey');
    this.joinTokenKey = new JoinTokenKey(this, 'JoinTokenKey');
    this.gatewayCredentials = new GatewayCredentials(this, 'GatewayCredentials');
    new CfnOutput(this, 'BootstrapKeySecretArn', { value: this.bootstrapKey.secret.secretArn, description: 'The first admin API key: aws secretsmanager get-secret-value --secret-id <this>' });
    new CfnOutput(this, 'CertificateAuthorityArn', { value: this.pki.certificateAuthorityArn });
  }
}
