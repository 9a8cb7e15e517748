import { builtEntry } from '../../bin/ensure-built.mjs';
import { assertToolsInstalled } from './tools.ts';

/** Tests run bin/* as users do, on the bundles in dist/: built once here, not by each spawned process. */
const APPS = ['trellis', 'trellis-agent', 'trellis-server', 'xds-server'];

export default function setup(): void {
  assertToolsInstalled();
  for (const app of APPS) builtEntry(app);
}
