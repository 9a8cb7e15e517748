import { describe, expect, it } from 'vitest';
import { SharedResponses } from './shared-responses.ts';

const bytesOf = (size: number, fill: number) => () => Buffer.alloc(size, fill);

describe('SharedResponses', () => {
  it('encodes a key once and hands every later stream the same bytes and nonce', () => {
    const shared = new SharedResponses();
    let encodes = 0;
    const encode = (nonce: string) => {
      encodes++;
      return Buffer.from(`body ${nonce}`);
    };
    const first = shared.response('sotw\nCDS\nv1', '', encode)!;
    const again = shared.response('sotw\nCDS\nv1', 'other-stream.3', encode)!;
    expect(encodes).toBe(1);
    expect(again).toBe(first);
    expect(first.bytes.toString()).toBe(`body ${first.nonce}`);
    const next = shared.response('sotw\nCDS\nv2', '', encode)!;
    expect(next.nonce).not.toBe(first.nonce);
    expect(encodes).toBe(2);
  });

  it('refuses the response a stream was sent last, so no stream sees one nonce twice in a row', () => {
    const shared = new SharedResponses();
    const first = shared.response('k', '', (n) => Buffer.from(n))!;
    expect(shared.response('k', first.nonce, (n) => Buffer.from(n))).toBeUndefined();
    expect(shared.response('k', 'something-else', (n) => Buffer.from(n))).toBe(first);
  });

  it('gives nonces that two servers never share', () => {
    const a = new SharedResponses().response('k', '', (n) => Buffer.from(n))!;
    const b = new SharedResponses().response('k', '', (n) => Buffer.from(n))!;
    expect(a.nonce).not.toBe(b.nonce);
  });

  it('holds at most its byte bound, letting the least recently used go first', () => {
    const shared = new SharedResponses(4000);
    const a = shared.response('a', '', bytesOf(1000, 1))!;
    shared.response('b', '', bytesOf(1000, 2));
    shared.response('c', '', bytesOf(1000, 3));
    // Touching a makes b the oldest.
    expect(shared.response('a', '', bytesOf(1000, 9))).toBe(a);
    shared.response('d', '', bytesOf(1000, 4));
    shared.response('e', '', bytesOf(1000, 5));
    expect(shared.heldBytes).toBe(4000);
    let encoded = false;
    shared.response('b', '', (n) => ((encoded = true), Buffer.from(n)));
    expect(encoded).toBe(true);
    expect(shared.response('a', '', bytesOf(1000, 9))).toBe(a);
  });

  it('never holds a response over a quarter of its bound: the caller encodes it per stream', () => {
    const shared = new SharedResponses(4000);
    expect(shared.response('big', '', bytesOf(1001, 1))).toBeUndefined();
    expect(shared.heldBytes).toBe(0);
  });
});
