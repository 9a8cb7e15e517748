export * from './spiffe.ts';
export * from './join-token.ts';
export { isDnsLabel, isDnsName } from './dns-label.ts';
