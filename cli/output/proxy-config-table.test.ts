import { describe, expect, it } from 'vitest';
import { proxyConfigTables } from './proxy-config-table.ts';

const endpoint = (address: string, extra: Record<string, unknown>) => ({ endpoint: { address: { socket_address: { address, port_value: 9080 } } }, ...extra });

describe('proxy-config endpoints table', () => {
  it('prints each endpoint weight as a number, whether wrapped as Trellis serves it or bare, and 1 when unset', () => {
    const out = proxyConfigTables(
      {
        endpoints: [
          {
            name: 'outbound|9080||reviews',
            resource: { endpoints: [{ lb_endpoints: [endpoint('10.0.0.1', { load_balancing_weight: { value: 90 }, health_status: 'HEALTHY' }), endpoint('10.0.0.2', { load_balancing_weight: 10 }), endpoint('10.0.0.3', {})] }] },
          },
        ],
      },
      false,
    );

    expect(out).not.toContain('[object Object]');
    expect(out.split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(/^CLUSTER\s+ENDPOINT\s+HEALTH \(SENT\)\s+WEIGHT$/),
      expect.stringMatching(/^outbound\|9080\|\|reviews\s+10\.0\.0\.1:9080\s+HEALTHY\s+90$/),
      expect.stringMatching(/^outbound\|9080\|\|reviews\s+10\.0\.0\.2:9080\s+UNKNOWN\s+10$/),
      expect.stringMatching(/^outbound\|9080\|\|reviews\s+10\.0\.0\.3:9080\s+UNKNOWN\s+1$/),
    ]);
  });
});
