import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath } from './paths.ts';
import { ADMIN_PORT, HEALTH_PROBE, SERVER_BUNDLE, XDS_PORT } from './xds-server-contract.ts';

// No Docker engine here: the Dockerfile is checked statically, instruction by instruction.
interface Instruction {
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** Instructions grouped by build stage (each starts at a FROM). */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') out.push([]);
    out.at(-1)?.push(instruction);
  }
  return out;
}

describe('xds-server/Dockerfile', () => {
  // GIVEN the Dockerfile and the build context filter
  const instructions = parseDockerfile(readFileSync(repoPath('xds-server/Dockerfile'), 'utf8'));
  const dockerignore = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  // WHEN split into stages
  const all = stages(instructions);
  const runtime = all.at(-1) ?? [];
  const args = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword).map((i) => i.args);
  const defaultImage = args(instructions, 'ARG').find((a) => a.startsWith('NODE_IMAGE='))?.split('=')[1];

  it('builds in stages and runs on a Node 22 slim image', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(defaultImage).toMatch(/^node:22[\w.-]*-slim$/);
    expect(args(runtime, 'FROM')).toEqual(['${NODE_IMAGE}']);
  });

  it('installs production dependencies with npm ci --omit=dev in a build stage and copies them into the runtime', () => {
    const deps = all.find((stage) => args(stage, 'RUN').some((run) => /npm ci\b.*--omit=dev/.test(run)));
    const depsName = deps && args(deps, 'FROM')[0]?.split(/\s+AS\s+/i)[1];
    expect(depsName).toBeDefined();
    expect(args(runtime, 'COPY')).toContain(`--from=${depsName} /app/node_modules ./node_modules`);
  });

  it('bundles xds-server/main.ts with esbuild into one ESM file, which the runtime runs', () => {
    const bundle = instructions.find((i) => i.keyword === 'RUN' && i.args.includes('esbuild'))?.args ?? '';
    expect(bundle).toContain('xds-server/main.ts');
    expect(bundle).toContain('--bundle');
    expect(bundle).toContain('--format=esm');
    expect(bundle).toContain(`--outfile=${SERVER_BUNDLE}`);
    expect(args(runtime, 'CMD')).toEqual([JSON.stringify(['node', SERVER_BUNDLE]).replaceAll(',', ', ')]);
  });

  it('runs as a non-root user, exposes the xDS and admin ports and probes /healthz like the task definition does', () => {
    const user = args(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(args(runtime, 'EXPOSE')).toEqual([`${XDS_PORT} ${ADMIN_PORT}`]);
    const healthcheck = args(runtime, 'HEALTHCHECK')[0] ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command).toEqual(['node', '-e', HEALTH_PROBE]);
  });

  it('sends only what the build copies: every COPY source is let through .dockerignore', () => {
    expect(dockerignore[0]).toBe('*');
    const copied = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(dockerignore, source).toContain(source.includes('.') ? `!${source}` : `!${source}/`);
  });
});
