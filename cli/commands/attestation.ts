import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { renderTable } from '../output/table.ts';
import { age } from '../output/time.ts';

interface EksCluster {
  name: string;
  issuer: string;
  jwksUri?: string;
  audience: string;
  namespaces?: string[];
  createdAt: string;
}

interface EcsRole {
  name: string;
  roleArn: string;
  namespace: string;
  serviceAccount: string;
  createdAt: string;
}

function readJwks(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw usageError(`cannot read a JWKS from ${file}: ${(err as Error).message}`, 'save it with `kubectl get --raw /openid/v1/jwks > jwks.json`');
  }
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

/** add/list/remove under one noun: the same three verbs for each kind of trust source. */
function registerKind<T extends { name: string }>(
  parent: Command,
  io: CliIo,
  spec: { noun: string; segment: string; what: string; add: (cmd: Command) => Command; body: (opts: Record<string, unknown>) => unknown; columns: string[]; row: (item: T) => string[] },
): void {
  const kind = parent.command(spec.noun).description(`${spec.what} whose workloads get certificates without a join token`);
  spec
    .add(kind.command('add').description(`Register (or replace) an ${spec.what}`).argument('<name>', 'registration name (DNS label)'))
    .action(async (name: string, opts: Record<string, unknown>, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const res = await ctx.client().request<T>('PUT', ctx.meshPath(`/attestation/${spec.segment}/${encodeURIComponent(name)}`), { body: spec.body(opts) });
      ctx.emit(res.body, () => `${spec.noun}/${name} ${res.status === 201 ? 'registered' : 'replaced'}\n`);
    });
  kind
    .command('list')
    .alias('ls')
    .description(`List the mesh's ${spec.what} registrations`)
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const { items } = await ctx.client().get<{ items: T[] }>(ctx.meshPath(`/attestation/${spec.segment}`));
      ctx.emit({ items }, () => (items.length === 0 ? `no ${spec.noun} registered; add one with \`trellis attestation ${spec.noun} add NAME ...\`\n` : renderTable(spec.columns, items.map(spec.row))));
    });
  kind
    .command('remove')
    .alias('rm')
    .description(`Remove an ${spec.what} (certificates already issued stay valid until they expire)`)
    .argument('<name>', 'registration name')
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      await ctx.client().request('DELETE', ctx.meshPath(`/attestation/${spec.segment}/${encodeURIComponent(name)}`));
      ctx.emit({ removed: name }, () => `${spec.noun}/${name} removed\n`);
    });
}

/** `trellis attestation eks-cluster|ecs-role add|list|remove`: the platforms a mesh trusts to vouch for workloads. */
export function registerAttestation(program: Command, io: CliIo): void {
  const attestation = program.command('attestation').description('Trust sources for platform attestation (EKS clusters, ECS task roles)');
  registerKind<EksCluster>(attestation, io, {
    noun: 'eks-cluster',
    segment: 'eks-clusters',
    what: 'EKS cluster',
    add: (cmd) =>
      cmd
        .requiredOption('--issuer <url>', 'the cluster OIDC issuer (aws eks describe-cluster --query cluster.identity.oidc.issuer)')
        .option('--jwks-file <file>', 'the signing keys inline (kubectl get --raw /openid/v1/jwks)')
        .option('--jwks-uri <url>', 'fetch the signing keys from here instead (EKS: <issuer>/keys)')
        .option('--audience <aud>', 'audience of the projected token', 'trellis')
        .option('--namespace <ns>', 'allow only this namespace (repeatable or comma-separated; default all)', collect, []),
    body: (o) => {
      if ((o.jwksFile === undefined) === (o.jwksUri === undefined)) throw usageError('give exactly one of --jwks-file and --jwks-uri');
      const namespaces = o.namespace as string[];
      return { issuer: o.issuer, audience: o.audience, ...(o.jwksFile ? { jwks: readJwks(o.jwksFile as string) } : { jwksUri: o.jwksUri }), ...(namespaces.length > 0 ? { namespaces } : {}) };
    },
    columns: ['NAME', 'ISSUER', 'AUDIENCE', 'NAMESPACES', 'KEYS', 'AGE'],
    row: (c) => [c.name, c.issuer, c.audience, c.namespaces?.join(',') ?? '*', c.jwksUri ?? 'inline', age(c.createdAt)],
  });
  registerKind<EcsRole>(attestation, io, {
    noun: 'ecs-role',
    segment: 'ecs-roles',
    what: 'ECS task role',
    add: (cmd) =>
      cmd
        .requiredOption('--role-arn <arn>', 'the task role (arn:aws:iam::ACCOUNT:role/NAME)')
        .requiredOption('-n, --namespace <ns>', 'namespace of the identity its tasks get')
        .requiredOption('--service-account <sa>', 'service account of the identity its tasks get'),
    body: (o) => ({ roleArn: o.roleArn, namespace: o.namespace, serviceAccount: o.serviceAccount }),
    columns: ['NAME', 'ROLE', 'IDENTITY', 'AGE'],
    row: (r) => [r.name, r.roleArn, `ns/${r.namespace}/sa/${r.serviceAccount}`, age(r.createdAt)],
  });
}
