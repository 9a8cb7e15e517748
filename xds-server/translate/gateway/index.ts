export { translateGateway } from './translate-gateway.ts';
export { credentialSecretName, caSecretName, type GatewayCredential } from './gateway-credential.ts';
