import type { Analyzer } from '../analyzer.ts';
import type { Finding } from '../finding.ts';
import { keyOf, keyString, type ResourceKey } from '../../resources/resource.ts';
import { appliesToSidecars } from '../virtual-service-routes.ts';

/** Sidecars use one VirtualService per host; a second one for the same host is silently ignored. */
export const duplicateVirtualServiceHost: Analyzer = {
  code: 'TRL0105',
  title: 'two VirtualServices for one host',
  run(view) {
    const owners = new Map<string, { key: ResourceKey; path: string }[]>();
    for (const vs of view.of('VirtualService')) {
      if (!appliesToSidecars(vs)) continue;
      (vs.spec.hosts ?? []).forEach((host, i) => {
        const qualified = view.qualify(host, vs.metadata.namespace);
        const list = owners.get(qualified) ?? [];
        if (!list.some((o) => keyString(o.key) === keyString(keyOf(vs)))) list.push({ key: keyOf(vs), path: `spec.hosts[${i}]` });
        owners.set(qualified, list);
      });
    }
    const findings: Finding[] = [];
    for (const [host, list] of owners) {
      if (list.length < 2) continue;
      for (const owner of list) {
        const others = list.filter((o) => o !== owner).map((o) => o.key);
        findings.push({
          code: this.code,
          message: `host ${host} is also routed by ${others.map((k) => `VirtualService ${k.namespace}/${k.name}`).join(', ')}; sidecars use only one VirtualService per host, so rules may be ignored (merge them into one)`,
          resource: owner.key,
          path: owner.path,
          related: others,
        });
      }
    }
    return findings;
  },
};
