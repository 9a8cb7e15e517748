import { describe, expect, it } from 'vitest';
import { DEFAULT_DOCUMENT_LIMITS, parseDocuments } from './documents.ts';

const errorsOf = (text: string, limits = {}) => {
  const result = parseDocuments(text, limits);
  if (result.ok) expect.fail(`expected failure, got ${JSON.stringify(result.value).slice(0, 200)}`);
  return result.errors;
};

describe('parseDocuments', () => {
  it('reads a multi-document YAML stream and skips empty documents', () => {
    const result = parseDocuments('---\nkind: A\n---\n# just a comment\n---\n\n---\nkind: B\nlist: [1, 2]\n');
    expect(result).toEqual({ ok: true, value: [{ kind: 'A' }, { kind: 'B', list: [1, 2] }] });
  });

  it('reads JSON: an object, an array of objects, a Kubernetes List', () => {
    expect(parseDocuments('{"kind":"A"}')).toEqual({ ok: true, value: [{ kind: 'A' }] });
    expect(parseDocuments(' [{"kind":"A"},{"kind":"B"}]')).toEqual({ ok: true, value: [{ kind: 'A' }, { kind: 'B' }] });
    expect(parseDocuments('{"apiVersion":"v1","kind":"List","items":[{"kind":"A"}]}')).toEqual({ ok: true, value: [{ kind: 'A' }] });
  });

  it('reads a YAML List and YAML merge keys', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- &base {kind: A, x: 1}\n- <<: *base\n  kind: B\n';
    expect(parseDocuments(text)).toEqual({ ok: true, value: [{ kind: 'A', x: 1 }, { kind: 'B', x: 1 }] });
  });

  it('reads IPv6 addresses in flow and block sequences as strings, including ones ending in ::', () => {
    const text = 'addresses: [1.2.3.4, 2001:db8::1, 2001:db8::, ::]\nblock:\n- 2001:db8::  # net\n- ::1\none: {address: fe80::, port: 80}\nplain: 2001:db8::\n';
    expect(parseDocuments(text)).toEqual({
      ok: true,
      value: [{ addresses: ['1.2.3.4', '2001:db8::1', '2001:db8::', '::'], block: ['2001:db8::', '::1'], one: { address: 'fe80::', port: 80 }, plain: '2001:db8::' }],
    });
  });

  it('keeps YAML meaning for a trailing colon that does not make an IPv6 address', () => {
    expect(parseDocuments('a: [k:]\nb: [x:y]\n')).toEqual({ ok: true, value: [{ a: [{ k: null }], b: ['x:y'] }] });
    expect(errorsOf('a: 2001:db8:: b\n')[0]?.message).toContain('Nested mappings');
  });

  it('accepts an empty body as no documents', () => {
    expect(parseDocuments('')).toEqual({ ok: true, value: [] });
    expect(parseDocuments('---\n---\n')).toEqual({ ok: true, value: [] });
  });

  it('rejects a scalar document with its index', () => {
    expect(errorsOf('kind: A\n---\nkind: B\n---\njust a string\n')).toEqual([{ path: '[2]', message: expect.stringContaining('expected an object') }]);
    expect(errorsOf('[{"kind":"A"}, 5]')).toEqual([{ path: '[1]', message: expect.stringContaining('got a number') }]);
    expect(errorsOf('42')).toEqual([{ path: '[0]', message: expect.stringContaining('expected an object') }]);
  });

  it('rejects bodies over the byte limit before parsing', () => {
    expect(errorsOf('a: 1\n'.repeat(100), { maxBytes: 100 })[0]?.message).toBe('body is 500 bytes; the limit is 100');
    const big = `a: "${'x'.repeat(DEFAULT_DOCUMENT_LIMITS.maxBytes)}"`;
    expect(errorsOf(big)[0]?.message).toContain('the limit is 4194304');
  });

  it('rejects more documents than allowed', () => {
    expect(errorsOf(Array.from({ length: 6 }, (_, i) => `n: ${i}`).join('\n---\n'), { maxDocuments: 5 })[0]?.message).toContain('the limit is 5');
    const many = Array.from({ length: 5000 }, () => 'a: 1').join('\n---\n');
    // "more than" (not an exact count): reading stopped at the limit instead of parsing all 5,000.
    expect(errorsOf(many)[0]?.message).toContain('more than 500 documents');
    expect(errorsOf(JSON.stringify(Array.from({ length: 501 }, () => ({ a: 1 }))))[0]?.message).toBe('501 documents; the limit is 500');
  });

  it('rejects deep nesting in YAML block style, YAML flow style and JSON', () => {
    const block = Array.from({ length: 70 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1';
    expect(errorsOf(block)[0]?.message).toContain('deeper than 64 levels');
    expect(errorsOf(`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`)[0]?.message).toContain('deeper than 64 levels');
    expect(errorsOf(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)[0]?.message).toContain('deeper than 64 levels');
    expect(errorsOf(`${'{"a":'.repeat(70)}1${'}'.repeat(70)}`)[0]?.message).toContain('deeper than 64 levels');
  });

  it('rejects a billion-laughs alias bomb before expanding it', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
      'i: [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
    ].join('\n');
    expect(errorsOf(bomb)).toEqual([{ path: '[0]', message: expect.stringContaining('too many alias expansions') }]);
  });

  it('rejects duplicate keys in YAML and JSON', () => {
    expect(errorsOf('metadata:\n  name: a\n  name: b\n')).toEqual([{ path: '[0]', message: expect.stringContaining('unique') }]);
    expect(errorsOf('[{"metadata":{"name":"a","name":"b"}}]')).toEqual([{ path: '[0].metadata.name', message: 'duplicate key "name"' }]);
  });

  it('rejects custom tags', () => {
    for (const text of ['a: !!js/function "function () {}"', 'a: !!binary aGVsbG8=', 'a: !Ref other', 'spec:\n  x: [1, !!set {a}]']) {
      const errors = errorsOf(text);
      expect(errors[0]?.path.startsWith('[0]')).toBe(true);
      expect(errors.map((e) => e.message).join(' ')).toMatch(/tag/);
    }
    expect(errorsOf('spec:\n  list:\n  - ok\n  - !!binary aGVsbG8=\n').some((e) => e.path === '[0].spec.list[1]')).toBe(true);
  });

  it('keeps standard tags', () => {
    expect(parseDocuments('a: !!str 10\nb: !!int "7"')).toEqual({ ok: true, value: [{ a: '10', b: 7 }] });
  });

  it('refuses prototype-polluting keys without polluting', () => {
    for (const text of ['__proto__:\n  polluted: yes', '{"spec":{"__proto__":{"polluted":true}}}', 'a:\n  constructor:\n    prototype:\n      polluted: 1']) {
      const errors = errorsOf(text);
      expect(errors[0]?.message).toMatch(/the key "(__proto__|constructor)" is not allowed/);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(errorsOf('{"spec":{"__proto__":{"polluted":true}}}')).toEqual([{ path: '[0].spec.__proto__', message: 'the key "__proto__" is not allowed' }]);
  });

  it('reports syntax errors with a position', () => {
    expect(errorsOf('a: [1, 2\nb: 3')[0]?.path).toBe('[0]');
    expect(errorsOf('{"a": }')[0]?.message).toContain('invalid JSON');
    expect(errorsOf('kind: A\n---\nkey: "unterminated\n')[0]?.path).toBe('[1]');
  });
});
