export * from './registrations.ts';
export * from './service-account-token.ts';
export * from './signed-sts-request.ts';
