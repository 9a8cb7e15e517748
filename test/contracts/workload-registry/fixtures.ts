import { randomUUID } from 'node:crypto';
import type { RegisteredWorkload, WorkloadRegistry } from '../../../core/registry/workload-registry.ts';

/** A clock that only the test moves. */
export interface Clock {
  now(): Date;
  advance(ms: number): void;
}

/** The registry under test and the clock it reads. */
export interface Harness extends Clock {
  readonly registry: WorkloadRegistry;
}

export function manualClock(start = new Date()): Clock {
  let time = start;
  return {
    now: () => new Date(time),
    advance: (ms) => {
      time = new Date(time.getTime() + ms);
    },
  };
}

export const uid = (): string => randomUUID().slice(0, 8);

/** A fresh tenant id, so tests never see each other's entries. */
export const newTenant = (): string => `t-${uid()}`;

export const TTL_MS = 30_000;

/** An entry with only the required fields, expiring TTL_MS after the harness's now. */
export function workload(h: Pick<Clock, 'now'>, tenantId: string, mesh: string, id: string, overrides: Partial<RegisteredWorkload> = {}): RegisteredWorkload {
  const now = h.now();
  return {
    tenantId,
    mesh,
    id,
    namespace: 'shop',
    name: `web-${id.replace(/[^a-z0-9]/g, '').slice(0, 40) || 'x'}`,
    serviceAccount: 'web',
    address: '10.0.0.1',
    labels: { app: 'web' },
    source: 'proxy',
    replica: 'replica-a',
    since: now.toISOString(),
    expiresAt: new Date(now.getTime() + TTL_MS).toISOString(),
    ...overrides,
  };
}

/** An entry with every optional field set. */
export function fullWorkload(h: Pick<Clock, 'now'>, tenantId: string, mesh: string, id: string): RegisteredWorkload {
  const full: RegisteredWorkload = workload(h, tenantId, mesh, id, {
    group: 'shop/web-group',
    spiffeId: `spiffe://${mesh}.${tenantId}.trellis.local/ns/shop/sa/web`,
    address: '2001:db8::7',
    labels: { app: 'web', version: 'v2', 'app.kubernetes.io/part-of': 'shop', empty: '' },
    ports: { http: 8080, 'grpc-status': 9090 },
    locality: 'eu-west-1/eu-west-1a/rack-3',
    weight: 0,
    source: 'cloud-map',
    replica: 'arn:aws:ecs:eu-west-1:123456789012:task/trellis/0123abcd',
  });
  const sidecar = { inboundPort: 15006 };
  return { ...full, ...sidecar };
}

export const ids = (entries: RegisteredWorkload[]): string[] => entries.map((e) => e.id);
