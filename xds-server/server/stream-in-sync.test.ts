import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/ports.ts';
import { streamInSync } from './testing/status-in-sync.ts';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, ROUTE_TYPE_URL, VIRTUAL_HOST_TYPE_URL } from '../protos/index.ts';
import type { ResourceObject } from '../protos/index.ts';
import type { DeltaResponseMessage, SotwResponseMessage, TestStream } from './testing/ads-client.ts';
import { byName, edsCluster, loadAssignment } from './testing/envoy-resources.ts';
import { useTestServer } from './testing/use-test-server.ts';

// RevisionFeedback asks the sessions whether a stream holds exactly what the cache serves it
// (AdsServer.streamInSync) instead of building the stream's status: the two must always agree.

const host = (name: string, cluster: string): ResourceObject => ({ name, domains: [name], routes: [{ name, match: { prefix: '/' }, route: { cluster } }] });
const rc = (name: string, hosts: ResourceObject[]): ResourceObject => ({ name, validate_clusters: { value: false }, virtual_hosts: hosts });
const envoy140 = { user_agent_name: 'envoy', user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } } };

describe('whether a stream is in sync, asked of its session', () => {
  const t = useTestServer();

  /** Both answers, once the server handled everything sent so far (the stream's status reflects the last request). */
  async function check(expected: boolean): Promise<void> {
    const [status] = t.server.ads.proxyStatus();
    expect(status).toBeDefined();
    const fromStatus = streamInSync(status!, t.server.cache);
    expect({ session: t.server.ads.streamInSync(status!.streamId), status: fromStatus }).toEqual({ session: expected, status: expected });
  }
  const settle = (acks: number) => waitFor(() => t.server.events.acks.length + t.server.events.nacks.length >= acks, `${acks} answers`, 5_000, 10);

  it('agrees with the status for a state-of-the-world stream: sent, acknowledged, changed, refused, removed, and asked for what is not served', async () => {
    const cache = t.server.cache;
    cache.setResources('s', CLUSTER_TYPE_URL, byName([edsCluster('a'), edsCluster('b')]));
    cache.setResources('s', ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '10.0.0.1', port: 80 }]), loadAssignment('b', [{ host: '10.0.0.2', port: 80 }])]));
    const stream: TestStream<SotwResponseMessage> = t.sotw();
    let answers = 0;
    const answer = async (r: SotwResponseMessage, names: string[] = [], nack = false) => {
      stream.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: names, ...(nack ? { error_detail: { code: 3, message: 'refused' } } : {}) });
      await settle(++answers);
    };
    stream.send({ node: { id: 'p', cluster: 's' }, type_url: CLUSTER_TYPE_URL });
    const cds = await stream.next();
    await check(false);
    await answer(cds);
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['a'] });
    const eds = await stream.next();
    await check(false);
    await answer(eds, ['a']);
    await check(true);

    // A name nobody serves changes nothing; one that is served must be held.
    stream.send({ type_url: ENDPOINT_TYPE_URL, resource_names: ['a', 'missing'], version_info: eds.version_info, response_nonce: eds.nonce });
    await stream.expectSilence(100);
    await check(true);

    cache.setResources('s', ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '10.0.0.3', port: 80 }]), loadAssignment('b', [{ host: '10.0.0.2', port: 80 }])]));
    const changed = await stream.next();
    await check(false);
    await answer(changed, ['a', 'missing'], true);
    await check(false);
    cache.setResources('s', ENDPOINT_TYPE_URL, byName([loadAssignment('a', [{ host: '10.0.0.4', port: 80 }]), loadAssignment('b', [{ host: '10.0.0.2', port: 80 }])]));
    const fixed = await stream.next();
    await answer(fixed, ['a', 'missing']);
    await check(true);

    // A wildcard type must not hold what the cache dropped.
    cache.setResources('s', CLUSTER_TYPE_URL, byName([edsCluster('a')]));
    const removal = await stream.next();
    expect(removal.type_url).toBe(CLUSTER_TYPE_URL);
    await check(false);
    await answer(removal);
    await check(true);
  });

  it('agrees with the status for a delta stream with virtual hosts (VHDS), through a host change, a refusal and an unsubscribe', async () => {
    const cache = t.server.cache;
    cache.setResources('s', CLUSTER_TYPE_URL, byName([edsCluster('ca'), edsCluster('cb')]));
    cache.setResources('s', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cb')])]));
    const stream: TestStream<DeltaResponseMessage> = t.delta();
    let answers = 0;
    const answer = async (r: DeltaResponseMessage, nack = false) => {
      stream.send({ type_url: r.type_url, response_nonce: r.nonce, ...(nack ? { error_detail: { code: 3, message: 'refused' } } : {}) });
      await settle(++answers);
    };
    stream.send({ node: { id: 'p', cluster: 's', ...envoy140 }, type_url: CLUSTER_TYPE_URL, resource_names_subscribe: ['*'] });
    await answer(await stream.next());
    stream.send({ type_url: ROUTE_TYPE_URL, resource_names_subscribe: ['80'] });
    const routes = await stream.next();
    await check(false);
    await answer(routes);
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL });
    const hosts = await stream.next();
    expect(hosts.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    await check(false);
    await answer(hosts);
    await check(true);

    cache.setResources('s', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'ca')])]));
    const change = await stream.next();
    expect(change.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    await check(false);
    await answer(change, true);
    await check(false);
    cache.setResources('s', ROUTE_TYPE_URL, byName([rc('80', [host('a', 'ca'), host('b', 'cb')])]));
    await answer(await stream.next());
    await check(true);

    cache.setResources('s', CLUSTER_TYPE_URL, byName([edsCluster('ca'), edsCluster('cb'), edsCluster('cc')]));
    const added = await stream.next();
    await check(false);
    await answer(added);
    await check(true);

    stream.send({ type_url: ROUTE_TYPE_URL, resource_names_unsubscribe: ['80'] });
    await stream.expectSilence(100);
    await check(true);
  });
});
