import { describe, expect, it } from 'vitest';
import { groupLabels, memberLabels, selectorCanPickMember } from './workload-group.ts';

const group = (templateLabels?: Record<string, string>, metadataLabels?: Record<string, string>) => ({
  template: { serviceAccount: 'reviews', ...(templateLabels ? { labels: templateLabels } : {}) },
  ...(metadataLabels ? { metadata: { labels: metadataLabels } } : {}),
});

describe('groupLabels', () => {
  it('joins template and metadata labels, metadata winning as in Istio', () => {
    expect(groupLabels(group({ app: 'reviews', version: 'v1' }, { version: 'v2', team: 'books' }))).toEqual({ app: 'reviews', version: 'v2', team: 'books' });
  });

  it('is empty for a group without labels', () => {
    expect(groupLabels(group())).toEqual({});
  });
});

describe('memberLabels', () => {
  it('keeps the group labels over the labels a proxy claims', () => {
    expect(memberLabels(group({ app: 'reviews', version: 'v1' }), { app: 'payments', version: 'v9' })).toEqual({ app: 'reviews', version: 'v1' });
  });

  it('fills keys the group leaves open from the claimed labels', () => {
    expect(memberLabels(group({ app: 'reviews' }, { version: 'v1' }), { app: 'payments', zone: 'a', canary: 'true' })).toEqual({ app: 'reviews', version: 'v1', zone: 'a', canary: 'true' });
  });

  it('takes the claimed labels as they are when the group fixes none', () => {
    expect(memberLabels(group(), { app: 'reviews' })).toEqual({ app: 'reviews' });
  });

  it('gives the group labels when the proxy claims none', () => {
    expect(memberLabels(group(undefined, { app: 'reviews' }), {})).toEqual({ app: 'reviews' });
  });

  it('treats a claimed __proto__ key as an ordinary label and pollutes nothing', () => {
    const claimed = JSON.parse('{"__proto__": "x", "zone": "a"}') as Record<string, string>;
    const labels = memberLabels(group({ app: 'reviews' }), claimed);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels).sort()).toEqual(['__proto__', 'app', 'zone']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('does not change its inputs', () => {
    const spec = group({ app: 'reviews' });
    const claimed = { app: 'payments', zone: 'a' };
    memberLabels(spec, claimed);
    expect(spec.template.labels).toEqual({ app: 'reviews' });
    expect(claimed).toEqual({ app: 'payments', zone: 'a' });
  });
});

describe('selectorCanPickMember', () => {
  it('is true when the group fixes the selected labels to the selected values', () => {
    expect(selectorCanPickMember({ app: 'reviews' }, group({ app: 'reviews', version: 'v1' }))).toBe(true);
  });

  it('is true when a selected key is left open for members to claim', () => {
    expect(selectorCanPickMember({ app: 'reviews', version: 'v2' }, group({ app: 'reviews' }))).toBe(true);
  });

  it('is false when the group fixes a selected key to another value', () => {
    expect(selectorCanPickMember({ app: 'reviews' }, group({ app: 'ratings' }))).toBe(false);
    expect(selectorCanPickMember({ app: 'reviews' }, group({ app: 'reviews' }, { app: 'ratings' }))).toBe(false);
  });
});
