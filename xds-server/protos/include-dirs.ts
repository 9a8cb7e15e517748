export { protoIncludeDirs } from '../../core/envoy/proto-include-dirs.ts';
