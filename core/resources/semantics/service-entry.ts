import { hostProblem } from '../formats/hostname.ts';
import { isIpOrCidr } from '../formats/ip.ts';
import type { ServiceEntrySpec } from '../schemas/service-entry.ts';
import { Findings } from './collector.ts';
import { checkExportTo, checkUnique } from './common.ts';
import { protocolProblem } from './protocol.ts';
import { checkWorkload } from './workload-address.ts';

export function validateServiceEntry(spec: ServiceEntrySpec): Findings {
  const f = new Findings();
  const resolution = spec.resolution ?? 'NONE';
  spec.hosts.forEach((host, i) => {
    if (host === '*') f.add(['hosts', i], 'host "*" is not allowed; name the hosts this entry adds');
    else f.add(['hosts', i], hostProblem(host));
    if (host.includes('*') && (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !spec.endpoints?.length) {
      f.add(['hosts', i], `wildcard host "${host}" cannot be resolved with ${resolution} unless endpoints are given`);
    }
  });
  checkUnique(f, spec.hosts, (h) => h, (i) => ['hosts', i], 'host');
  spec.addresses?.forEach((address, i) => {
    if (!isIpOrCidr(address)) f.add(['addresses', i], `"${address}" is not an IP address or CIDR block`);
    else if (address.includes('/') && resolution !== 'NONE' && resolution !== 'STATIC') {
      f.add(['addresses', i], `CIDR addresses are allowed only with NONE or STATIC resolution, not ${resolution}`);
    }
  });
  spec.ports?.forEach((port, i) => {
    if (port.protocol !== undefined) f.add(['ports', i, 'protocol'], protocolProblem(port.protocol));
  });
  checkUnique(f, spec.ports, (p) => p.number, (i) => ['ports', i, 'number'], 'port number');
  checkUnique(f, spec.ports, (p) => p.name, (i) => ['ports', i, 'name'], 'port name');

  if (spec.workloadSelector && spec.endpoints) f.add(['workloadSelector'], 'set only one of workloadSelector and endpoints');
  if (resolution === 'NONE' && spec.endpoints) f.add(['endpoints'], 'endpoints cannot be set with NONE resolution');
  if (resolution === 'DNS_ROUND_ROBIN' && (spec.endpoints?.length ?? 0) > 1) f.add(['endpoints'], 'DNS_ROUND_ROBIN resolution allows at most one endpoint');
  const portNames = new Set(spec.ports?.map((p) => p.name));
  spec.endpoints?.forEach((endpoint, i) => {
    checkWorkload(f, ['endpoints', i], endpoint, { ipOnly: resolution === 'STATIC' });
    for (const name of Object.keys(endpoint.ports ?? {})) {
      if (!portNames.has(name)) f.add(['endpoints', i, 'ports', name], `endpoint port "${name}" is not one of the entry's port names`);
    }
  });
  checkExportTo(f, spec.exportTo);
  return f;
}
