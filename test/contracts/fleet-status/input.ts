import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.ts';
import { MAX_NACK_MESSAGE_CHARS, TRUNCATED_MARK } from '../../../core/fleet/fleet-input.ts';
import type { ProxyStatusRecord } from '../../../core/fleet/fleet-status.ts';
import { newTenant, proxyIds, record, type Harness } from './fixtures.ts';

/** The ValidationError a call rejects with; fails the test if it resolves or throws anything else. */
async function validationError(call: Promise<unknown>): Promise<ValidationError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

const paths = (error: ValidationError): string[] => error.errors.map((e) => e.path);

export function inputContract(h: Harness): void {
  describe('input', () => {
    it('refuses a proxy id with a space, a control character, non-ASCII or nothing, and writes nothing of that put', async () => {
      const t = newTenant();
      const put = (id: string) => h.fleet.put([record(h, t, 'prod', 'good'), record(h, t, 'prod', id)]);

      const space = await validationError(put('a b'));
      const control = await validationError(put('a\nb'));
      const unicode = await validationError(put('pröxy'));
      const empty = await validationError(put(''));

      for (const error of [space, control, unicode, empty]) expect(paths(error)).toEqual(['records[1].proxyId']);
      expect(space.message).toMatch(/records\[1\]\.proxyId: must be printable ASCII/);
      expect(await h.fleet.list(t, 'prod')).toEqual([]);
    });

    it('takes a proxy id of 256 characters and refuses 257', async () => {
      const t = newTenant();
      const longest = 'sidecar~10.0.0.1~web#%/'.padEnd(256, 'Z');

      await h.fleet.put([record(h, t, 'prod', longest)]);
      const error = await validationError(h.fleet.put([record(h, t, 'prod', `${longest}Z`)]));

      expect(proxyIds(await h.fleet.list(t, 'prod'))).toEqual([longest]);
      expect(paths(error)).toEqual(['records[0].proxyId']);
    });

    it('refuses an empty or non-DNS tenant or mesh in every call', async () => {
      const t = newTenant();

      const putErrors = await validationError(h.fleet.put([record(h, '', 'prod', 'a'), record(h, t, 'Prod#1', 'a')]));
      const listError = await validationError(h.fleet.list('', 'prod'));
      const removeError = await validationError(h.fleet.remove(t, 'a#b', ['a'], 'replica-a'));

      expect(paths(putErrors)).toEqual(['records[0].tenantId', 'records[1].mesh']);
      expect(paths(listError)).toEqual(['tenantId']);
      expect(paths(removeError)).toEqual(['mesh']);
    });

    it('refuses a remove with a bad proxy id or an empty replica, removing nothing', async () => {
      const t = newTenant();
      await h.fleet.put([record(h, t, 'prod', 'a')]);

      const badId = await validationError(h.fleet.remove(t, 'prod', ['a', 'x y'], 'replica-a'));
      const noReplica = await validationError(h.fleet.remove(t, 'prod', ['a'], ''));
      const notArray = await validationError(h.fleet.remove(t, 'prod', 'a' as unknown as string[], 'replica-a'));

      expect(paths(badId)).toEqual(['proxyIds[1]']);
      expect(paths(noReplica)).toEqual(['replica']);
      expect(paths(notArray)).toEqual(['proxyIds']);
      expect(proxyIds(await h.fleet.list(t, 'prod'))).toEqual(['a']);
    });

    it(`stores a NACK message longer than ${MAX_NACK_MESSAGE_CHARS} characters truncated and marked, and a shorter one whole`, async () => {
      const t = newTenant();
      const at = h.now().toISOString();
      const long = `Error adding/updating listener(s) 0.0.0.0_15001: ${'x'.repeat(100_000)}`;
      const exact = 'y'.repeat(MAX_NACK_MESSAGE_CHARS);
      const nacked = (message: string): ProxyStatusRecord['types'] => ({ lds: { sent: 'l2', acked: 'l1', state: 'NACKED', lastNack: { version: 'l2', message, at } } });

      await h.fleet.put([record(h, t, 'prod', 'long', { types: nacked(long) }), record(h, t, 'prod', 'exact', { types: nacked(exact) })]);
      const [exactListed, longListed] = await h.fleet.list(t, 'prod');
      const message = longListed!.types.lds!.lastNack!.message;

      expect(message).toHaveLength(MAX_NACK_MESSAGE_CHARS);
      expect(message.startsWith('Error adding/updating listener(s) 0.0.0.0_15001: xxx')).toBe(true);
      expect(message.endsWith(TRUNCATED_MARK)).toBe(true);
      expect(exactListed!.types.lds!.lastNack!.message).toBe(exact);
    });

    it('never keeps half of a surrogate pair when truncating a NACK message', async () => {
      const t = newTenant();
      // An emoji straddles the cut: two code units, the first one the last kept.
      const message = `${'a'.repeat(MAX_NACK_MESSAGE_CHARS - TRUNCATED_MARK.length - 1)}😀${'b'.repeat(50)}`;

      await h.fleet.put([record(h, t, 'prod', 'a', { types: { cds: { sent: 'c2', state: 'NACKED', lastNack: { version: 'c2', message, at: h.now().toISOString() } } } })]);
      const stored = (await h.fleet.list(t, 'prod'))[0]!.types.cds!.lastNack!.message;

      expect(stored).toBe(`${'a'.repeat(MAX_NACK_MESSAGE_CHARS - TRUNCATED_MARK.length - 1)}${TRUNCATED_MARK}`);
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(stored)).toBe(false);
    });

    it('refuses a record over 16 KiB as JSON', async () => {
      const t = newTenant();
      const reason = 'r'.repeat(1024);
      const big = record(h, t, 'prod', 'a', {
        registration: { state: 'refused', reason },
        types: Object.fromEntries(['cds', 'eds', 'lds', 'rds', 'sds'].map((type) => [type, { sent: 'v'.repeat(256), acked: 'w'.repeat(256), state: 'NACKED', lastNack: { version: 'v'.repeat(256), message: 'm'.repeat(5000), at: h.now().toISOString() } }])),
        certificate: { spiffeId: `spiffe://${'d'.repeat(2030)}`, serialNumber: 's'.repeat(128), notAfter: h.now().toISOString() },
        namespace: 'n'.repeat(253),
        serviceAccount: 's'.repeat(253),
        workload: 'w'.repeat(253),
      });
      const padded = { ...big, types: { ...big.types, ...Object.fromEntries(['cds', 'eds', 'lds', 'rds', 'sds'].map((type) => [type, { ...big.types.cds!, lastNack: { ...big.types.cds!.lastNack!, message: '"'.repeat(5000) } }])) } };

      const error = await validationError(h.fleet.put([padded]));

      expect(paths(error)).toEqual(['records[0]']);
      expect(error.message).toMatch(/takes \d+ bytes as JSON; at most 16384 are allowed/);
      expect(await h.fleet.list(t, 'prod')).toEqual([]);
    });

    it('refuses bad field values with their paths', async () => {
      const t = newTenant();
      const bad = {
        ...record(h, t, 'prod', 'a'),
        protocol: 'rest',
        connectedAt: 'yesterday',
        revision: -1,
        address: 'web.example.com',
        certificate: { spiffeId: 'https://x', serialNumber: '', notAfter: 'soon' },
        types: { cds: { state: 'DONE' }, xds: { state: 'SYNCED' } },
        registration: { state: 'maybe' },
        replica: 'replica a',
        updatedAt: '2030-13-01T00:00:00Z',
        expiresAt: 42,
      } as unknown as ProxyStatusRecord;

      const error = await validationError(h.fleet.put([bad]));

      expect(paths(error).sort()).toEqual(
        [
          'records[0].address',
          'records[0].certificate.notAfter',
          'records[0].certificate.serialNumber',
          'records[0].certificate.spiffeId',
          'records[0].connectedAt',
          'records[0].expiresAt',
          'records[0].protocol',
          'records[0].registration.state',
          'records[0].replica',
          'records[0].revision',
          'records[0].types.cds.state',
          'records[0].types.xds',
          'records[0].updatedAt',
        ].sort(),
      );
    });

    it('refuses records that are not objects or miss required fields', async () => {
      const t = newTenant();
      const { replica: _replica, ...noReplica } = record(h, t, 'prod', 'a');

      const error = await validationError(h.fleet.put([null, noReplica] as unknown as ProxyStatusRecord[]));

      expect(paths(error)).toEqual(['records[0]', 'records[1].replica']);
      expect(error.message).toMatch(/records\[0\]: must be an object/);
    });

    it('stores only the fields the port knows', async () => {
      const t = newTenant();
      const expected = record(h, t, 'prod', 'a');

      await h.fleet.put([{ ...expected, secret: 'x', revision: undefined, types: { cds: { ...expected.types.cds!, extra: 1 } } } as unknown as ProxyStatusRecord]);

      expect(await h.fleet.list(t, 'prod')).toStrictEqual([expected]);
    });
  });
}
