import { Command } from 'commander';
import { bootstrapCommand } from './bootstrap-command.ts';
import { runCommand } from './run-command.ts';

const program = new Command('trellis-agent')
  .description('The Trellis sidecar agent')
  .showHelpAfterError()
  .addCommand(bootstrapCommand())
  .addCommand(runCommand());

await program.parseAsync(process.argv);
