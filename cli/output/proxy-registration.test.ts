import { describe, expect, it } from 'vitest';
import { paintWith } from './color.ts';
import { refusalLines, registrationCell } from './proxy-registration.ts';

describe('registrationCell', () => {
  it('says registered, with the group it joined, refused in red, or - for a proxy that never registers', () => {
    expect(registrationCell({ registration: { state: 'registered' } })).toBe('registered');
    expect(registrationCell({ registration: { state: 'registered', group: 'shop/cart' } })).toBe('registered (group shop/cart)');
    expect(registrationCell({ registration: { state: 'refused', reason: 'x' } })).toEqual({ text: 'refused', color: 'red' });
    expect(registrationCell({})).toBe('-');
  });
});

describe('refusalLines', () => {
  it('gives one line per refused proxy with its reason, and none for the others', () => {
    const lines = refusalLines(
      [
        { proxyId: 'cart-1', registration: { state: 'registered', group: 'shop/cart' } },
        { proxyId: 'web-1', registration: { state: 'refused', reason: 'identity ns/shop/sa/web is not the service account of WorkloadGroup shop/cart (cart)' } },
        { proxyId: 'gw' },
      ],
      paintWith(false),
    );
    expect(lines).toEqual(['REFUSED web-1: identity ns/shop/sa/web is not the service account of WorkloadGroup shop/cart (cart)\n']);
    expect(refusalLines([{ proxyId: 'a', registration: { state: 'refused' } }], paintWith(true))).toEqual(['\u001b[31mREFUSED\u001b[0m a: no reason given\n']);
  });

  it('keeps each refusal on one line: control characters in a reason or proxy id cannot move the cursor or recolour the terminal', () => {
    const [line] = refusalLines([{ proxyId: 'evil\u001b[2J', registration: { state: 'refused', reason: 'bad\nREFUSED other: forged\u001b[31m\u009b' } }], paintWith(false));
    expect(line).toBe('REFUSED evil [2J: bad REFUSED other: forged [31m \n');
  });
});
