import { describe, expect, it } from 'vitest';
import type { SdsDeltaResponse, SdsResponse } from './sds-codec.ts';
import { DeltaSecretStream, SotwSecretStream, type SecretSource } from './sds-streams.ts';
import { SECRET_TYPE_URL, type EncodedSecrets } from './secrets.ts';

function source() {
  let current: { version: string; secrets: EncodedSecrets } | undefined;
  const events: string[] = [];
  const s: SecretSource & { publish(v: string): void; events: string[] } = {
    current: () => current,
    acked: (v) => events.push(`ack ${v}`),
    nacked: (v, m) => events.push(`nack ${v} ${m}`),
    publish(v) {
      current = { version: v, secrets: new Map(['default', 'ROOTCA'].map((n) => [n, { type_url: SECRET_TYPE_URL, value: Buffer.from(`${n}@${v}`) }])) };
    },
    events,
  };
  return s;
}

const names = (m: SdsResponse | SdsDeltaResponse) => m.resources.map((r) => ('name' in r ? r.name : Buffer.from(r.value).toString()));

describe('SDS state-of-the-world stream', () => {
  it('waits for a certificate, answers the requested names, takes ACKs and NACKs, pushes new versions', () => {
    const src = source();
    const out: SdsResponse[] = [];
    const stream = new SotwSecretStream(src, (m) => out.push(m));
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names: ['default'] });
    expect(out).toHaveLength(0);
    src.publish('1');
    stream.onNewVersion();
    expect(names(out[0]!)).toEqual(['default@1']);
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names: ['default'], version_info: '1', response_nonce: out[0]!.nonce });
    expect(src.events).toEqual(['ack 1']);
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names: ['default', 'ROOTCA'], version_info: '1', response_nonce: out[0]!.nonce });
    expect(names(out[1]!)).toEqual(['default@1', 'ROOTCA@1']);
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names: ['default'], response_nonce: 'stale' });
    expect(out).toHaveLength(2);
    src.publish('2');
    stream.onNewVersion();
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names: ['default', 'ROOTCA'], version_info: '1', response_nonce: out[2]!.nonce, error_detail: { message: 'bad key' } });
    expect(src.events).toEqual(['ack 1', 'nack 1 bad key']);
    expect(out).toHaveLength(3);
  });
});

describe('SDS delta stream', () => {
  it('sends each subscribed secret once per version and skips what the proxy already has', () => {
    const src = source();
    src.publish('1');
    const out: SdsDeltaResponse[] = [];
    const stream = new DeltaSecretStream(src, (m) => out.push(m));
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names_subscribe: ['default', 'ROOTCA'], initial_resource_versions: { ROOTCA: '1' } });
    expect(names(out[0]!)).toEqual(['default']);
    stream.onRequest({ type_url: SECRET_TYPE_URL, response_nonce: out[0]!.nonce });
    expect(src.events).toEqual(['ack 1']);
    src.publish('2');
    stream.onNewVersion();
    expect(names(out[1]!)).toEqual(['default', 'ROOTCA']);
    stream.onRequest({ type_url: SECRET_TYPE_URL, resource_names_unsubscribe: ['ROOTCA'], response_nonce: out[1]!.nonce, error_detail: { message: 'no' } });
    expect(src.events).toEqual(['ack 1', 'nack 2 no']);
    src.publish('3');
    stream.onNewVersion();
    expect(names(out[2]!)).toEqual(['default']);
  });
});
