import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { INJECTION_NAMESPACE_LABEL } from './annotations.ts';
import { injectPod, type InjectionContext } from './inject-pod.ts';
import { DEFAULT_INJECTION_CONFIG, type InjectionConfig } from './injection-config.ts';
import type { Pod } from './k8s-types.ts';
import { applyPatch } from './json-patch.ts';

const TESTDATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const enabled: InjectionContext = { namespace: 'shop', namespaceLabels: { [INJECTION_NAMESPACE_LABEL]: 'enabled' } };

const CONFIG: InjectionConfig = {
  ...DEFAULT_INJECTION_CONFIG,
  tenant: 'default',
  mesh: 'demo',
  apiUrl: 'https://trellis.example.com',
  xdsAddress: 'xds.trellis.example.com:18000',
  image: 'ghcr.io/trellis/trellis:0.1.0',
};

const pod = (name: string): Pod => parse(readFileSync(path.join(TESTDATA, `${name}.pod.yaml`), 'utf8')) as Pod;

/** Golden cases: fixture, how the webhook is configured, what it knows of the namespace. */
const CASES: { name: string; fixture: string; config?: Partial<InjectionConfig>; context?: InjectionContext }[] = [
  { name: 'plain', fixture: 'plain' },
  { name: 'plain-regular-container', fixture: 'plain', config: { nativeSidecars: false } },
  { name: 'opt-out', fixture: 'opt-out' },
  { name: 'already-injected', fixture: 'already-injected' },
  { name: 'annotated', fixture: 'annotated' },
  { name: 'unlabelled-namespace', fixture: 'unlabelled-namespace', context: { namespace: 'tools', namespaceLabels: { team: 'tools' } } },
  { name: 'init-containers', fixture: 'init-containers' },
  { name: 'init-containers-regular-container', fixture: 'init-containers', config: { nativeSidecars: false } },
  { name: 'invalid-annotations', fixture: 'invalid-annotations' },
  { name: 'host-network', fixture: 'host-network' },
];

describe('injectPod golden files', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const result = injectPod(pod(c.fixture), { ...CONFIG, ...c.config }, c.context ?? enabled);
      await expect(JSON.stringify(result, null, 2) + '\n').toMatchFileSnapshot(path.join(TESTDATA, `${c.name}.golden.json`));
    });
  }
});

describe('injectPod', () => {
  it('never injects a pod twice: the injected pod yields an empty patch', () => {
    const first = injectPod(pod('plain'), CONFIG, enabled);
    if (!first.ok) throw new Error('expected injection');
    const second = injectPod(first.value.pod, CONFIG, enabled);
    expect(second).toMatchObject({ ok: true, value: { patch: [], skipped: expect.stringContaining('already injected') } });
  });

  it('returns the pod its patch produces', () => {
    const result = injectPod(pod('init-containers'), CONFIG, enabled);
    if (!result.ok) throw new Error('expected injection');
    expect(applyPatch(pod('init-containers'), result.value.patch)).toEqual(result.value.pod);
    expect(result.value.pod.spec?.initContainers?.map((c) => c.name)).toEqual(['trellis-init', 'trellis-proxy', 'migrate']);
  });

  it('puts a regular proxy container first and redirection after the app init containers', () => {
    const result = injectPod(pod('init-containers'), { ...CONFIG, nativeSidecars: false }, enabled);
    if (!result.ok) throw new Error('expected injection');
    expect(result.value.pod.spec?.initContainers?.map((c) => c.name)).toEqual(['migrate', 'trellis-init']);
    expect(result.value.pod.spec?.containers.map((c) => c.name)).toEqual(['trellis-proxy', 'catalog']);
  });

  it('never injects system namespaces, whatever their labels say', () => {
    const result = injectPod(pod('plain'), CONFIG, { namespace: 'kube-system', namespaceLabels: { [INJECTION_NAMESPACE_LABEL]: 'enabled' } });
    expect(result).toMatchObject({ ok: true, value: { patch: [], skipped: expect.stringContaining('kube-system') } });
  });

  it('injects when the namespace labels are unknown (the namespaceSelector already matched)', () => {
    const r = injectPod(pod('plain'), CONFIG, { namespace: 'shop' });
    expect(r.ok && r.value.patch.length).toBeGreaterThan(0);
  });

  it('escapes annotation keys in JSON pointers', () => {
    const result = injectPod(pod('annotated'), CONFIG, enabled);
    if (!result.ok) throw new Error('expected injection');
    expect(result.value.patch.slice(-4).map((p) => p.path)).toEqual([
      '/metadata/annotations/sidecar.trellis.dev~1status',
      '/metadata/annotations/prometheus.io~1scrape',
      '/metadata/annotations/prometheus.io~1port',
      '/metadata/annotations/prometheus.io~1path',
    ]);
  });

  it("points Prometheus at the agent's merged scrape on 15020, unless the pod says how it is scraped", () => {
    const r = injectPod(pod('plain'), CONFIG, enabled);
    if (!r.ok) throw new Error('expected injection');
    expect(r.value.pod.metadata?.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus' });
    const proxy = [...(r.value.pod.spec?.initContainers ?? []), ...(r.value.pod.spec?.containers ?? [])].find((c) => c.name === 'trellis-proxy');
    expect(proxy?.ports).toEqual([{ name: 'http-metrics', containerPort: 15020, protocol: 'TCP' }]);
    const own = pod('plain');
    own.metadata!.annotations = { 'prometheus.io/scrape': 'false' };
    const kept = injectPod(own, CONFIG, enabled);
    if (!kept.ok) throw new Error('expected injection');
    expect(kept.value.pod.metadata?.annotations?.['prometheus.io/scrape']).toBe('false');
    expect(kept.value.pod.metadata?.annotations?.['prometheus.io/port']).toBeUndefined();
  });

  it('passes the workloadGroup annotation to the agent as --group, and refuses a value that is not a DNS label', () => {
    const grouped = pod('plain');
    grouped.metadata!.annotations = { 'sidecar.trellis.dev/workloadGroup': ' reviews ' };
    const r = injectPod(grouped, CONFIG, enabled);
    if (!r.ok) throw new Error('expected injection');
    const args = r.value.pod.spec?.initContainers?.find((c) => c.name === 'trellis-proxy')?.args ?? [];
    expect(args.slice(args.indexOf('--group'), args.indexOf('--group') + 2)).toEqual(['--group', 'reviews']);
    expect(injectPod(pod('plain'), CONFIG, enabled)).toMatchObject({ ok: true, value: { pod: { spec: { initContainers: [{}, { args: expect.not.arrayContaining(['--group']) }] } } } });
    // A flag, a second argument or an oversized name never reaches the agent's command line.
    for (const hostile of ['--api=https://evil.example.com', 'reviews --xds evil:1', '', 'a'.repeat(64), 'x'.repeat(100_000)]) {
      grouped.metadata!.annotations = { 'sidecar.trellis.dev/workloadGroup': hostile };
      const refused = injectPod(grouped, CONFIG, enabled);
      if (refused.ok) throw new Error(`expected ${hostile.slice(0, 40)} to be refused`);
      expect(refused.errors).toEqual([{ path: "metadata.annotations['sidecar.trellis.dev/workloadGroup']", message: expect.stringContaining('not a DNS label') }]);
      expect(refused.errors[0]!.message.length).toBeLessThan(120);
    }
  });

  it('refuses absurd pods instead of building absurd patches', () => {
    const big = pod('plain');
    big.spec!.containers = Array.from({ length: 500 }, (_, i) => ({ name: `c${i}`, image: 'x' }));
    expect(injectPod(big, CONFIG, enabled)).toMatchObject({ ok: false, errors: [{ path: 'spec.containers' }] });
    const labels = pod('plain');
    labels.metadata!.labels = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`l${i}`, 'v']));
    const r = injectPod(labels, CONFIG, enabled);
    if (!r.ok) throw new Error('expected injection');
    expect(r.value.pod.spec?.initContainers?.[1]?.env?.filter((e) => e.name.startsWith('TRELLIS_LABEL_'))).toHaveLength(32);
  });
});
