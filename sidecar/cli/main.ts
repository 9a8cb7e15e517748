import { Command } from 'commander';
import { bootstrapCommand } from './bootstrap-command.ts';

const program = new Command('trellis-agent')
  .description('The Trellis sidecar agent')
  .showHelpAfterError()
  .addCommand(bootstrapCommand());

await program.parseAsync(process.argv);
