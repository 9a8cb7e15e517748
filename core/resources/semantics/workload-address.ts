import { hostProblem } from '../formats/hostname.ts';
import { isIpAddress } from '../formats/ip.ts';
import type { PathSegment } from '../field-path.ts';
import type { WorkloadEntrySpec } from '../schemas/workload-entry.ts';
import type { Findings } from './collector.ts';

const PORT_NAME = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;

/** A workload's address (IP, host name or unix socket) and named ports. */
export function checkWorkload(f: Findings, path: PathSegment[], w: WorkloadEntrySpec, options: { ipOnly?: boolean } = {}): void {
  if (w.address === undefined && w.network === undefined) f.add([...path, 'address'], 'address is required (or network, for a workload behind a network gateway)');
  const address = w.address;
  if (address !== undefined) {
    if (address.startsWith('unix://')) {
      const socket = address.slice('unix://'.length);
      if (!socket.startsWith('/') && !socket.startsWith('@')) f.add([...path, 'address'], 'a unix socket address must be an absolute path or an abstract socket (@name)');
      if (socket.endsWith('/')) f.add([...path, 'address'], 'a unix socket address must not be a directory');
      if (w.ports) f.add([...path, 'ports'], 'a unix socket workload cannot have ports');
    } else if (options.ipOnly) {
      if (!isIpAddress(address)) f.add([...path, 'address'], `"${address}" must be an IP address or unix:// socket for STATIC resolution`);
    } else if (!isIpAddress(address)) {
      f.add([...path, 'address'], hostProblem(address, { allowWildcard: false }));
    }
  }
  checkPortNames(f, path, w.ports);
  if (w.serviceAccount !== undefined && w.serviceAccount !== '' && !/^[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?$/.test(w.serviceAccount)) {
    f.add([...path, 'serviceAccount'], `serviceAccount "${w.serviceAccount}" must be a DNS-1123 subdomain`);
  }
}

/** A workload's port names, the keys ServiceEntry ports map through. */
export function checkPortNames(f: Findings, path: PathSegment[], ports: Readonly<Record<string, number>> | undefined): void {
  for (const name of Object.keys(ports ?? {})) {
    if (name.length >= 63 || !PORT_NAME.test(name)) f.add([...path, 'ports', name], `port name "${name}" must be letters, digits and '-', starting and ending with a letter or digit`);
  }
}
