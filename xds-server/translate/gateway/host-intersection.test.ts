import { describe, expect, it } from 'vitest';
import { intersectAll, intersectHosts } from './host-intersection.ts';

describe('gateway host intersection', () => {
  it.each([
    ['a.example.com', 'a.example.com', 'a.example.com'],
    ['*', 'a.example.com', 'a.example.com'],
    ['a.example.com', '*', 'a.example.com'],
    ['*.example.com', 'a.example.com', 'a.example.com'],
    ['a.b.example.com', '*.example.com', 'a.b.example.com'],
    ['*.example.com', '*.b.example.com', '*.b.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['*.example.com', 'a.example.org', undefined],
    ['a.example.com', 'b.example.com', undefined],
  ])('%s ∩ %s = %s', (a, b, expected) => {
    expect(intersectHosts(a, b)).toBe(expected);
    expect(intersectHosts(b, a)).toBe(expected);
  });

  it('intersects lists in order, without duplicates', () => {
    expect(intersectAll(['a.example.com', '*.example.com', 'x.org'], ['*.example.com', 'a.example.com'])).toEqual(['a.example.com', '*.example.com']);
  });
});
