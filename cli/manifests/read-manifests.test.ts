import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifests } from './read-manifests.ts';
import { attributeErrors } from './apply-request.ts';
import { ApiError } from '../api-client.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-cli-manifests-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const doc = (name: string) => `kind: VirtualService\nmetadata: { name: ${name}, namespace: shop }\nspec: {}\n`;

describe('readManifests', () => {
  it('reads directories recursively in name order, multi-document files, and skips other files', async () => {
    mkdirSync(path.join(dir, 'b'));
    writeFileSync(path.join(dir, 'b', '01.yaml'), doc('b1'));
    writeFileSync(path.join(dir, 'a.yml'), `${doc('a1')}---\n${doc('a2')}`);
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ kind: 'VirtualService', metadata: { name: 'c1' }, spec: {} }));
    writeFileSync(path.join(dir, 'README.md'), '# not a manifest');
    const manifests = await readManifests([dir]);
    expect(manifests.map((m) => (m.doc as { metadata: { name: string } }).metadata.name)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(manifests[1]!.source).toBe(`${path.join(dir, 'a.yml')}#2`);
  });

  it('reads stdin for -', async () => {
    const manifests = await readManifests(['-'], async () => doc('from-stdin'));
    expect(manifests).toHaveLength(1);
    expect(manifests[0]!.source).toBe('<stdin>');
  });

  it('fails as a usage error for a missing path and as a validation error for bad YAML', async () => {
    await expect(readManifests([path.join(dir, 'nope')])).rejects.toMatchObject({ exitCode: 2 });
    writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [unclosed\n');
    await expect(readManifests([path.join(dir, 'bad.yaml')])).rejects.toMatchObject({ exitCode: 3 });
  });

  it('attributes the API\'s [i] field paths to the file and object they came from', async () => {
    writeFileSync(path.join(dir, 'a.yaml'), `${doc('one')}---\n${doc('two')}`);
    const manifests = await readManifests([dir]);
    const err = attributeErrors(new ApiError(400, { detail: '1 problem', errors: [{ path: '[1].spec.hosts', message: 'is required' }] }, undefined), manifests);
    expect(err.exitCode).toBe(3);
    expect(err.fieldErrors).toEqual([{ path: 'spec.hosts', message: `is required (${path.join(dir, 'a.yaml')}#2, VirtualService shop/two)` }]);
  });

  it('names both files when the API reports the same object twice', async () => {
    writeFileSync(path.join(dir, 'a.yaml'), doc('reviews'));
    writeFileSync(path.join(dir, 'b.yaml'), `${doc('ratings')}---\n${doc('reviews')}`);
    const manifests = await readManifests([dir]);
    const err = attributeErrors(new ApiError(400, { detail: '1 problem', errors: [{ path: '[2].metadata.name', message: 'VirtualService/shop/reviews appears twice (also document [0])' }] }, undefined), manifests);
    expect(err.fieldErrors).toEqual([{ path: 'metadata.name', message: `VirtualService/shop/reviews appears twice (also ${path.join(dir, 'a.yaml')}) (${path.join(dir, 'b.yaml')}#2, VirtualService shop/reviews)` }]);
  });
});
