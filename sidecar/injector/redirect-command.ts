import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { cidrSelectionArgument, cidrsArgument, portArgument, portsArgument, portSelectionArgument, uidArgument } from './command-arguments.ts';
import { DEFAULT_PROXY_UID, redirectRules, type RedirectConfig } from './redirect.ts';

/** Feeds the rules to iptables-restore on stdin; rejects with its stderr when it fails. */
function iptablesRestore(bin: string, rules: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], { stdio: ['pipe', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} exited with ${code}: ${stderr.trim()}`))));
    child.stdin.end(rules);
  });
}

/** `trellis-agent redirect ...`: the injected init container's step; installs the nat rules that send traffic to Envoy. */
export function redirectCommand(): Command {
  return new Command('redirect')
    .description("Redirect the pod's TCP traffic to Envoy with iptables (run once, as root with NET_ADMIN, in the pod's network namespace)")
    .option('--proxy-uid <uid>', 'UID of the proxy: its traffic is never redirected', uidArgument, DEFAULT_PROXY_UID)
    .option('--inbound-port <n>', "Envoy's inbound listener", portArgument, 15006)
    .option('--outbound-port <n>', "Envoy's outbound listener", portArgument, 15001)
    .option('--include-inbound-ports <list>', "inbound ports sent to Envoy: '*' or a comma list ('' for none)", portSelectionArgument, [])
    .option('--exclude-inbound-ports <list>', 'inbound ports never redirected', portsArgument, [])
    .option('--exclude-outbound-ports <list>', 'outbound destination ports never redirected', portsArgument, [])
    .option('--include-outbound-ip-ranges <list>', "outbound destinations sent to Envoy: '*' or IPv4 CIDRs", cidrSelectionArgument, '*')
    .option('--exclude-outbound-ip-ranges <list>', 'outbound IPv4 CIDRs never redirected', cidrsArgument, [])
    .option('--iptables-restore <path>', 'the iptables-restore binary', 'iptables-restore')
    .option('--dry-run', 'print the rules instead of installing them', false)
    .action(async (opts: RedirectConfig & { iptablesRestore: string; dryRun: boolean }) => {
      const rules = redirectRules(opts);
      if (opts.dryRun) {
        process.stdout.write(rules);
        return;
      }
      await iptablesRestore(opts.iptablesRestore, rules);
      process.stdout.write(`traffic redirection installed (inbound → ${opts.inboundPort}, outbound → ${opts.outboundPort}, proxy UID ${opts.proxyUid} excluded)\n`);
    });
}
