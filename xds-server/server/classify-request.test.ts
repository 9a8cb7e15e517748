import { describe, expect, it } from 'vitest';
import { classifyDeltaRequest, classifySotwRequest } from './classify-request.ts';

describe('classifySotwRequest', () => {
  it.each([
    ['no nonce', undefined, { response_nonce: '' }, 'initial'],
    ['no nonce, type already served (restart of the type)', 'n2', { response_nonce: '' }, 'initial'],
    ['the last nonce, no error', 'n2', { response_nonce: 'n2' }, 'ack'],
    ['the last nonce with error_detail', 'n2', { response_nonce: 'n2', error_detail: { message: 'bad' } }, 'nack'],
    ['an older nonce', 'n2', { response_nonce: 'n1' }, 'stale'],
    ['an older nonce with error_detail', 'n2', { response_nonce: 'n1', error_detail: { message: 'bad' } }, 'stale'],
  ] as const)('%s', (_what, last, request, kind) => {
    expect(classifySotwRequest(last, request)).toBe(kind);
  });
});

describe('classifyDeltaRequest', () => {
  const pending = (n: string) => n === 'p1' || n === 'p2';
  it.each([
    ['first request of a type', true, { response_nonce: '' }, 'initial'],
    ['a later subscription change', false, { response_nonce: '' }, 'update'],
    ['an answer to any pending response', false, { response_nonce: 'p1' }, 'ack'],
    ['a NACK of a pending response', false, { response_nonce: 'p2', error_detail: { message: 'x' } }, 'nack'],
    ['an unknown nonce', false, { response_nonce: 'zz' }, 'stale'],
  ] as const)('%s', (_what, first, request, kind) => {
    expect(classifyDeltaRequest(first, pending, request)).toBe(kind);
  });
});
