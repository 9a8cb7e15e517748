import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { apiHarness } from '../../functions/testing/api-harness.ts';
import { parseDocuments } from '../../core/resources/documents.ts';
import { parseResource } from '../../core/resources/parse-resource.ts';

// Compatibility: Istio documents in the shapes users write, each accepted or refused as unsupported for a reason docs/unsupported.md lists.
const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.join(HERE, 'istio-shapes');
const UNSUPPORTED_DOC = readFileSync(path.join(HERE, '..', '..', 'docs', 'unsupported.md'), 'utf8');

/** What is still refused, by `Kind/name`: each one is counted in the acceptance figure. */
const STILL_REFUSED = [
  'EnvoyFilter/lua-tagger',
  'EnvoyFilter/targeted-by-ref',
  'ProxyConfig/distroless',
  'Telemetry/metrics-tags',
];

/** Not valid against today's Istio and Envoy (the v2-era `config` struct): refused with the path, and not counted as valid. */
const INVALID = ['EnvoyFilter/legacy-struct-config'];

interface Outcome {
  id: string;
  file: string;
  doc: unknown;
  errors: { path: string; message: string }[];
}

function outcomes(): Outcome[] {
  const all: Outcome[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    const docs = parseDocuments(readFileSync(path.join(DIR, file), 'utf8'));
    if (!docs.ok) throw new Error(`${file}: ${JSON.stringify(docs.errors)}`);
    for (const doc of docs.value) {
      const { kind, metadata } = doc as { kind: string; metadata: { name: string } };
      const parsed = parseResource(doc, { defaultNamespace: 'shop' });
      all.push({ id: `${kind}/${metadata.name}`, file, doc, errors: parsed.ok ? [] : parsed.errors });
    }
  }
  return all;
}

/** The reason part of an "… unsupported: reason" message (or the kind's reason). */
function reasonOf(message: string): string | undefined {
  const kind = /is unsupported: Trellis does not serve this Istio kind yet \((.*)\)$/.exec(message);
  if (kind) return kind[1];
  const field = /unsupported(?: \([^)]*\))?: (?:a patch may not add \S+: )?(.*)$/.exec(message);
  return field?.[1];
}

describe('Istio documents as users write them', () => {
  const all = outcomes();
  const results = all.filter((r) => !INVALID.includes(r.id));
  const refused = results.filter((r) => r.errors.length > 0);

  it('accepts every document but the listed ones, and reports the count', () => {
    const accepted = results.length - refused.length;
    const byReason = new Map<string, number>();
    for (const r of refused) for (const e of r.errors) byReason.set(e.message, (byReason.get(e.message) ?? 0) + 1);
    console.log(`compat: ${accepted} of ${results.length} valid documents accepted (${((100 * accepted) / results.length).toFixed(1)}%)`);
    for (const [reason, n] of [...byReason].sort((a, b) => b[1] - a[1])) console.log(`  ${n} × ${reason}`);
    expect(refused.map((r) => r.id)).toEqual(STILL_REFUSED);
  });

  it.each(INVALID)('%s is refused with the path of what is wrong', (id) => {
    const r = all.find((o) => o.id === id)!;
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) expect(e.path).toMatch(/^spec\./);
  });

  it.each(results.filter((r) => r.errors.length > 0).map((r) => [r.id, r] as const))('%s is refused as unsupported for a reason docs/unsupported.md lists', (_id, r) => {
    for (const e of r.errors) {
      expect(e.message, `${r.file} ${r.id} ${e.path}`).toMatch(/unsupported/);
      const reason = reasonOf(e.message);
      expect(reason, e.message).toBeDefined();
      expect(UNSUPPORTED_DOC, `docs/unsupported.md should list: ${reason}`).toContain(reason!);
    }
  });

  it('applies every accepted document together through the API (dry run: mesh checks included)', async () => {
    const api = await apiHarness();
    try {
      expect((await api.call('PUT', '/v1/meshes/compat', { body: {} })).status).toBe(201);
      const accepted = results.filter((r) => r.errors.length === 0).map((r) => stringify(r.doc));
      const res = await api.call('POST', '/v1/meshes/compat/apply?dryRun=true&namespace=shop', { yaml: accepted.join('---\n') });
      expect(res.status, await res.clone().text()).toBe(200);
    } finally {
      await api.close();
    }
  });
});
