import { get } from 'node:http';
import { Command } from 'commander';
import { portArgument, positiveIntegerArgument } from './command-arguments.ts';

/** One GET of the agent's /ready; node:http, not fetch, whose HTTP stack alone adds ~40 MB to a probe. */
function isReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/ready', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** `trellis-agent wait-ready`: exits 0 once the agent's /ready answers 200 (probes and postStart hooks). */
export function waitReadyCommand(): Command {
  return new Command('wait-ready')
    .description("Wait until the local agent reports ready (GET 127.0.0.1:<port>/ready); exit 1 on timeout")
    .option('--port <n>', "the agent's ready port", portArgument, 15021)
    .option('--timeout-seconds <n>', 'give up after this long', positiveIntegerArgument, 60)
    .action(async (opts: { port: number; timeoutSeconds: number }, cmd: Command) => {
      const deadline = Date.now() + opts.timeoutSeconds * 1000;
      while (Date.now() < deadline) {
        if (await isReady(opts.port)) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      cmd.error(`error: the agent was not ready within ${opts.timeoutSeconds}s`, { exitCode: 1 });
    });
}
