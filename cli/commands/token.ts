import { Option, type Command } from 'commander';
import { usageError } from '../cli-error.ts';
import { CommandContext, type CliIo } from '../command-context.ts';
import { parseDuration } from '../output/time.ts';

interface TokenOptions {
  namespace: string;
  serviceAccount: string;
  ttl: string;
}

/** `trellis token create`: a join token that pays for one workload's first certificate. */
export function registerToken(program: Command, io: CliIo): void {
  const token = program.command('token').description('Join tokens for workloads');
  token
    .command('create')
    .description('Issue a single-use join token for a namespace and service account (prints the token)')
    .requiredOption('-n, --namespace <ns>', 'namespace of the workload')
    .requiredOption('--service-account <sa>', 'service account of the workload')
    .addOption(new Option('--ttl <duration>', 'lifetime of the token (at most 24h)').default('1h'))
    .action(async (opts: TokenOptions, cmd: Command) => {
      const ctx = CommandContext.of(io, cmd);
      const ms = parseDuration(opts.ttl);
      if (ms === undefined || ms < 1000) throw usageError(`--ttl "${opts.ttl}" is not a duration of at least 1s`, 'use e.g. 10m or 1h');
      const res = await ctx.client().request<{ token: string; tokenId?: string; expiresAt?: string; spiffeId?: string }>('POST', ctx.meshPath('/join-tokens'), {
        body: { namespace: opts.namespace, serviceAccount: opts.serviceAccount, ttlSeconds: Math.round(ms / 1000) },
      });
      const t = res.body;
      // The token alone on stdout, so `$(trellis token create ...)` works; the rest is for humans.
      ctx.emit(t, () => t.token + '\n');
      if (ctx.options.output === 'table' && (t.spiffeId || t.expiresAt)) ctx.err(`token for ${t.spiffeId ?? `${opts.namespace}/${opts.serviceAccount}`}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}`);
    });
}
