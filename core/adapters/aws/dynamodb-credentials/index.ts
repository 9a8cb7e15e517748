export { DynamoDbCredentialStore, type DynamoDbCredentialStoreOptions } from './dynamodb-credential-store.ts';
export { CredentialKeyError } from './envelope.ts';
export { CREDENTIALS_ENV, dynamoDbCredentialStoreFromEnv } from './from-env.ts';
