import type { PathSegment } from '../field-path.ts';
import type { ClientTLSSettings } from '../schemas/shared/client-tls.ts';
import type { LoadBalancerSettings } from '../schemas/shared/load-balancer.ts';
import type { TrafficPolicy } from '../schemas/shared/traffic-policy.ts';
import type { Findings } from './collector.ts';
import { checkUnique } from './common.ts';

export function checkTrafficPolicy(f: Findings, path: PathSegment[], policy: TrafficPolicy | undefined): void {
  if (!policy) return;
  checkLoadBalancer(f, [...path, 'loadBalancer'], policy.loadBalancer);
  checkTls(f, [...path, 'tls'], policy.tls);
  policy.portLevelSettings?.forEach((p, i) => {
    const pp = [...path, 'portLevelSettings', i];
    if (p.port?.number === undefined) f.add([...pp, 'port'], 'port.number is required in portLevelSettings');
    checkLoadBalancer(f, [...pp, 'loadBalancer'], p.loadBalancer);
    checkTls(f, [...pp, 'tls'], p.tls);
  });
  checkUnique(f, policy.portLevelSettings, (p) => p.port?.number, (i) => [...path, 'portLevelSettings', i, 'port', 'number'], 'port');
}

function checkLoadBalancer(f: Findings, path: PathSegment[], lb: LoadBalancerSettings | undefined): void {
  if (!lb) return;
  if (lb.simple !== undefined && lb.consistentHash !== undefined) f.add(path, 'set only one of simple and consistentHash');
  const hash = lb.consistentHash;
  if (hash) {
    const keys = [hash.httpHeaderName, hash.httpCookie, hash.useSourceIp, hash.httpQueryParameterName].filter((k) => k !== undefined);
    if (keys.length > 1) f.add([...path, 'consistentHash'], 'set only one of httpHeaderName, httpCookie, useSourceIp and httpQueryParameterName');
    if (hash.ringHash && hash.maglev) f.add([...path, 'consistentHash'], 'set only one of ringHash and maglev');
    if (hash.minimumRingSize !== undefined && (hash.ringHash || hash.maglev)) {
      f.add([...path, 'consistentHash', 'minimumRingSize'], 'minimumRingSize cannot be combined with ringHash or maglev; use ringHash.minimumRingSize');
    }
  }
  const locality = lb.localityLbSetting;
  if (locality) {
    const lp = [...path, 'localityLbSetting'];
    if (locality.distribute && locality.failover) f.add(lp, 'set only one of distribute and failover');
    locality.distribute?.forEach((d, i) => {
      const total = Object.values(d.to ?? {}).reduce((a, b) => a + b, 0);
      if (total !== 100) f.add([...lp, 'distribute', i, 'to'], `weights sum to ${total}; they must sum to 100`);
    });
    locality.failover?.forEach((fo, i) => {
      if (fo.from !== undefined && fo.from === fo.to) f.add([...lp, 'failover', i, 'to'], 'failover must go to a different region');
    });
  }
  if (lb.warmup && lb.warmupDurationSecs) f.add([...path, 'warmup'], 'set only one of warmup and warmupDurationSecs');
  // Envoy slows start only in its round-robin and least-request balancers; elsewhere the setting would do nothing.
  const slowStartless = lb.consistentHash ? 'consistentHash' : lb.simple === 'RANDOM' || lb.simple === 'PASSTHROUGH' ? lb.simple : undefined;
  if ((lb.warmup || lb.warmupDurationSecs) && slowStartless) f.add([...path, lb.warmup ? 'warmup' : 'warmupDurationSecs'], `slow start works with ROUND_ROBIN and LEAST_REQUEST only, not with ${slowStartless}`);
}

function checkTls(f: Findings, path: PathSegment[], tls: ClientTLSSettings | undefined): void {
  if (!tls) return;
  if (tls.mode === 'ISTIO_MUTUAL') {
    for (const field of ['clientCertificate', 'privateKey', 'caCertificates', 'credentialName', 'caCrl'] as const) {
      if (tls[field] !== undefined) f.add([...path, field], `${field} cannot be set when mode is ISTIO_MUTUAL (Istio provides the certificates)`);
    }
  }
  if (tls.mode === 'MUTUAL' && tls.credentialName === undefined) {
    if (!tls.clientCertificate) f.add([...path, 'clientCertificate'], 'clientCertificate is required for MUTUAL TLS unless credentialName is set');
    if (!tls.privateKey) f.add([...path, 'privateKey'], 'privateKey is required for MUTUAL TLS unless credentialName is set');
  }
}
