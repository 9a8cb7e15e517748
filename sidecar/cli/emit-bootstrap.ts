import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NodeMetadataSchema } from '../../core/proxies/node-metadata.ts';
import { envoyBootstrapYaml } from '../bootstrap/envoy-bootstrap.ts';

/**
 * Validates a proxy's node metadata and prints (or writes, mode 0600) its Envoy bootstrap;
 * exits 2 naming every bad field. Shared by `bootstrap` and `gateway-bootstrap`.
 */
export function emitBootstrap(cmd: Command, what: string, metadata: Record<string, unknown>, opts: Record<string, unknown>): void {
  const parsed = NodeMetadataSchema.safeParse(metadata);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    cmd.error(`error: invalid ${what} description:\n${problems}\nNames must be DNS labels (lower-case letters, digits, '-').`, { exitCode: 2 });
    return;
  }
  const yaml = envoyBootstrapYaml({
    metadata: parsed.data,
    xdsAddress: opts.xds as { host: string; port: number },
    adminPort: opts.adminPort as number,
    protocol: opts.protocol as 'delta' | 'sotw',
  });
  if (typeof opts.output === 'string') writeFileSync(opts.output, yaml, { mode: 0o600 });
  else process.stdout.write(yaml);
}
