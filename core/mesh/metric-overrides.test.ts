import { describe, expect, it } from 'vitest';
import { encodeMetricOverrides, parseMetricOverrides } from './metric-overrides.ts';

describe('metric overrides carried in listener metadata', () => {
  it('reads back what the xDS server writes', () => {
    const overrides = { istio_requests_total: { removeTags: ['response_code', 'request_protocol'] }, istio_request_duration_milliseconds: { disabled: true }, istio_request_bytes: {} };

    expect(parseMetricOverrides(encodeMetricOverrides('CLIENT', overrides))).toEqual({ side: 'CLIENT', overrides });
    expect(parseMetricOverrides(encodeMetricOverrides('SERVER', {}))).toEqual({ side: 'SERVER', overrides: {} });
  });

  it.each([
    ['not JSON', '{"side":'],
    ['JSON that is no object', '[1,2]'],
    ['null', 'null'],
    ['an unknown side', JSON.stringify({ side: 'BOTH', overrides: {} })],
    ['no overrides', JSON.stringify({ side: 'CLIENT' })],
    ['overrides that are an array', JSON.stringify({ side: 'CLIENT', overrides: [] })],
    ['an extra top-level field', JSON.stringify({ side: 'CLIENT', overrides: {}, extra: 1 })],
    ['a family Istio does not have', JSON.stringify({ side: 'CLIENT', overrides: { istio_made_up: { disabled: true } } })],
    ['an inherited key as family', '{"side":"CLIENT","overrides":{"__proto__":{"disabled":true}}}'],
    ['a non-boolean disabled', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { disabled: 'yes' } } })],
    ['an unknown field of a family', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { upsert: {} } } })],
    ['a family that is null', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: null } })],
    ['removeTags not an array', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { removeTags: 'response_code' } } })],
    ['an empty tag', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { removeTags: [''] } } })],
    ['a tag over 256 characters', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { removeTags: ['t'.repeat(257)] } } })],
    ['a tag that is no string', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { removeTags: [7] } } })],
    ['more than 64 tags', JSON.stringify({ side: 'CLIENT', overrides: { istio_requests_total: { removeTags: Array.from({ length: 65 }, (_, i) => `t${i}`) } } })],
  ])('ignores %s', (_what, json) => {
    expect(parseMetricOverrides(json)).toBeUndefined();
  });

  it('accepts the limits themselves: 64 tags of 256 characters', () => {
    const removeTags = Array.from({ length: 64 }, (_, i) => `${i}`.padEnd(256, 't'));

    expect(parseMetricOverrides(encodeMetricOverrides('SERVER', { istio_tcp_sent_bytes_total: { removeTags } }))?.overrides.istio_tcp_sent_bytes_total?.removeTags).toHaveLength(64);
  });
});
