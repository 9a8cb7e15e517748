import { Command } from 'commander';
// Each command's action imports its implementation when it runs: `--help` and the startup probe
// (`wait-ready`, every few seconds per pod) load only commander and the option parsers.
import { bootstrapCommand } from './bootstrap-command.ts';
import { runCommand } from './run-command.ts';
import { gatewayBootstrapCommand } from './gateway-bootstrap-command.ts';
import { redirectCommand } from '../injector/redirect-command.ts';
import { waitReadyCommand } from '../injector/wait-ready-command.ts';
import { webhookCommand } from '../injector/webhook-command.ts';
import { quietAwsSdkNodeVersionWarning } from '../../core/adapters/aws/sdk-node-warning.ts';

// `run --attest ecs` signs with the AWS SDK.
quietAwsSdkNodeVersionWarning();

const program = new Command('trellis-agent')
  .description('The Trellis sidecar agent')
  .showHelpAfterError()
  .addCommand(bootstrapCommand())
  .addCommand(gatewayBootstrapCommand())
  .addCommand(runCommand())
  .addCommand(redirectCommand())
  .addCommand(waitReadyCommand())
  .addCommand(webhookCommand());

await program.parseAsync(process.argv);
