export { AdsServer } from './ads-server.ts';
export { listenAds, joinHostPort, DEFAULT_TRANSPORT, type AdsTransportOptions, type ListeningAds } from './listen.ts';
export { ADS_SERVICE } from './ads-service.ts';
export { classifySotwRequest, classifyDeltaRequest, type RequestKind } from './classify-request.ts';
export { toXdsNode, type XdsNode } from './xds-node.ts';
export type { ProxyStatus, TypeStatus, NackRecord } from './proxy-status.ts';
export type {
  AdsServerOptions,
  ProxyIdentity,
  PeerInfo,
  ResolveNode,
  StreamInfo,
  StreamProtocol,
  StreamLimits,
  AckEvent,
  NackEvent,
  SendEvent,
  DisconnectEvent,
  XdsServerHooks,
} from './server-options.ts';
export type { SotwRequest, DeltaRequest, RpcStatus } from './messages.ts';
