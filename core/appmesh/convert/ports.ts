import type { ListenerProtocol, PortMapping } from '../schemas/common.ts';

const ISTIO_PROTOCOL: Record<ListenerProtocol, string> = { http: 'HTTP', http2: 'HTTP2', grpc: 'GRPC', tcp: 'TCP' };

export interface ServicePort {
  number: number;
  name: string;
  protocol: string;
}

export const istioProtocol = (p: ListenerProtocol) => ISTIO_PROTOCOL[p];
export const portName = (m: PortMapping) => `${m.protocol}-${m.port}`;
export const servicePort = (m: PortMapping): ServicePort => ({ number: m.port, name: portName(m), protocol: istioProtocol(m.protocol) });
export const isHttpFamily = (p: ListenerProtocol) => p !== 'tcp';
