import { describe, expect, it } from 'vitest';
import { argDefault, argsOf, contextSources, dockerignore, readDockerfile, stages } from '../test/support/dockerfile.ts';
import { ADMIN_PORT, HEALTH_PROBE, SERVER_BUNDLE, XDS_PORT } from './xds-server-contract.ts';

describe('xds-server/Dockerfile', () => {
  // GIVEN the Dockerfile and the build context filter
  const instructions = readDockerfile('xds-server/Dockerfile');
  const ignore = dockerignore();
  // WHEN split into stages
  const all = stages(instructions);
  const runtime = all.at(-1) ?? [];

  it('builds in stages and runs on an exactly tagged Node 22 slim image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(argDefault(instructions, 'NODE_IMAGE')).toMatch(/^node:22\.\d+\.\d+-[\w.-]*slim$/);
    expect(argsOf(runtime, 'FROM')).toEqual(['${NODE_IMAGE}']);
  });

  it('bundles xds-server/main.ts with the build script and runs the bundle, with no node_modules in the runtime', () => {
    const build = all.find((stage) => argsOf(stage, 'RUN').some((run) => run.includes('scripts/build.ts apps xds-server')));
    const buildName = build && argsOf(build, 'FROM')[0]?.split(/\s+AS\s+/i)[1];
    expect(buildName).toBeDefined();
    expect(argsOf(runtime, 'COPY')).toEqual([`--from=${buildName} /src/dist ./dist`]);
    expect(argsOf(runtime, 'CMD')).toEqual([JSON.stringify(['node', SERVER_BUNDLE]).replaceAll(',', ', ')]);
  });

  it('runs as a numeric non-root user, exposes the xDS and admin ports and probes /healthz like the task definition does', () => {
    const user = argsOf(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).toMatch(/^\d+(:\d+)?$/);
    expect(user[0]).not.toMatch(/^0(:|$)/);
    expect(argsOf(runtime, 'EXPOSE')).toEqual([`${XDS_PORT} ${ADMIN_PORT}`]);
    const healthcheck = argsOf(runtime, 'HEALTHCHECK')[0] ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command).toEqual(['node', '-e', HEALTH_PROBE]);
  });

  it('sends only what the build copies: every COPY source is let through .dockerignore', () => {
    expect(ignore[0]).toBe('*');
    for (const source of contextSources(instructions)) expect(ignore, source).toContain(source.includes('.') ? `!${source}` : `!${source}/`);
  });
});
