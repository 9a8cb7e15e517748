import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../core/errors.ts';
import type { RegisteredWorkload } from '../../../core/registry/workload-registry.ts';
import { ids, newTenant, workload, type Harness } from './fixtures.ts';

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
    it('refuses an id holding "#", a space or nothing, and writes nothing of that put', async () => {
      const t = newTenant();
      const put = (id: string) => h.registry.put([workload(h, t, 'prod', 'good'), workload(h, t, 'prod', id)]);

      const hash = await validationError(put('a#b'));
      const space = await validationError(put('a b'));
      const empty = await validationError(put(''));

      expect(paths(hash)).toEqual(['entries[1].id']);
      expect(hash.message).toMatch(/entries\[1\]\.id: may only hold/);
      expect(paths(space)).toEqual(['entries[1].id']);
      expect(paths(empty)).toEqual(['entries[1].id']);
      expect(await h.registry.list(t, 'prod')).toEqual([]);
    });

    it('takes an id of 512 allowed characters and refuses 513', async () => {
      const t = newTenant();
      const longest = `spiffe://td/ns/a/sa/b@node:1.2_x-`.padEnd(512, 'Z');

      await h.registry.put([workload(h, t, 'prod', longest)]);
      const error = await validationError(h.registry.put([workload(h, t, 'prod', `${longest}Z`)]));

      expect(ids(await h.registry.list(t, 'prod'))).toEqual([longest]);
      expect(paths(error)).toEqual(['entries[0].id']);
    });

    it('refuses an empty or non-DNS tenant or mesh in every call', async () => {
      const t = newTenant();

      const putErrors = await validationError(h.registry.put([workload(h, '', 'prod', 'a'), workload(h, t, 'Prod#1', 'a')]));
      const listError = await validationError(h.registry.list('', 'prod'));
      const removeError = await validationError(h.registry.remove(t, '', ['a'], 'replica-a'));
      const removeMeshError = await validationError(h.registry.removeMesh(t, 'a#b'));

      expect(paths(putErrors)).toEqual(['entries[0].tenantId', 'entries[1].mesh']);
      expect(paths(listError)).toEqual(['tenantId']);
      expect(paths(removeError)).toEqual(['mesh']);
      expect(paths(removeMeshError)).toEqual(['mesh']);
    });

    it('refuses a remove with a bad id or an empty replica, removing nothing', async () => {
      const t = newTenant();
      await h.registry.put([workload(h, t, 'prod', 'a')]);

      const badId = await validationError(h.registry.remove(t, 'prod', ['a', 'x#y'], 'replica-a'));
      const noReplica = await validationError(h.registry.remove(t, 'prod', ['a'], ''));

      expect(paths(badId)).toEqual(['ids[1]']);
      expect(paths(noReplica)).toEqual(['replica']);
      expect(ids(await h.registry.list(t, 'prod'))).toEqual(['a']);
    });

    it('refuses over-long labels and an entry over 16 KiB', async () => {
      const t = newTenant();
      const longValue = workload(h, t, 'prod', 'a', { labels: { app: 'v'.repeat(64) } });
      const longKey = workload(h, t, 'prod', 'b', { labels: { ['k'.repeat(64)]: 'web' } });
      const manyLabels = workload(h, t, 'prod', 'c', { labels: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`label-${i}`, 'v'.repeat(63)])) });

      const labelErrors = await validationError(h.registry.put([longValue, longKey]));
      const sizeError = await validationError(h.registry.put([manyLabels]));

      expect(paths(labelErrors)).toEqual(['entries[0].labels.app', `entries[1].labels.${'k'.repeat(64)}`]);
      expect(paths(sizeError)).toEqual(['entries[0]']);
      expect(sizeError.message).toMatch(/takes \d+ bytes as JSON; at most 16384 are allowed/);
      expect(await h.registry.list(t, 'prod')).toEqual([]);
    });

    it('refuses bad field values with their paths', async () => {
      const t = newTenant();
      const bad = {
        ...workload(h, t, 'prod', 'a'),
        name: 'Not A Label',
        address: 'web.example.com',
        ports: { http: 0 },
        inboundPort: 70_000,
        weight: -1,
        source: 'dns',
        replica: 'replica a',
        since: 'yesterday',
        expiresAt: '2030-13-01T00:00:00Z',
        group: 'no-slash',
      } as unknown as RegisteredWorkload;

      const error = await validationError(h.registry.put([bad]));

      expect(paths(error).sort()).toEqual(
        ['entries[0].address', 'entries[0].expiresAt', 'entries[0].group', 'entries[0].inboundPort', 'entries[0].name', 'entries[0].ports.http', 'entries[0].replica', 'entries[0].since', 'entries[0].source', 'entries[0].weight'].sort(),
      );
    });

    it('refuses entries that are not objects or miss required fields', async () => {
      const t = newTenant();
      const { address: _address, ...noAddress } = workload(h, t, 'prod', 'a');

      const error = await validationError(h.registry.put([null, noAddress] as unknown as RegisteredWorkload[]));

      expect(paths(error)).toEqual(['entries[0]', 'entries[1].address']);
      expect(error.message).toMatch(/entries\[0\]: must be an object/);
    });

    it('stores only the fields the port knows', async () => {
      const t = newTenant();
      const entry = workload(h, t, 'prod', 'a');

      await h.registry.put([{ ...entry, secret: 'x', group: undefined } as RegisteredWorkload]);

      expect(await h.registry.list(t, 'prod')).toStrictEqual([entry]);
    });
  });
}
