import { builtEntry } from '../../bin/ensure-built.mjs';
import { quietAwsSdkNodeVersionWarning } from '../../core/adapters/aws/sdk-node-warning.ts';
import { assertToolsInstalled } from './tools.ts';

/** Tests run bin/* as users do, on the bundles in dist/: built once here, not by each spawned process. */
const APPS = ['trellis', 'trellis-agent', 'trellis-cluster-agent', 'trellis-server', 'xds-server'];

export default function setup(): void {
  assertToolsInstalled();
  for (const app of APPS) builtEntry(app);
  // Every test of this run sees the same build, even if a source changes while they run.
  process.env.TRELLIS_NO_REBUILD = '1';
  // Test workers and the processes they start inherit it.
  quietAwsSdkNodeVersionWarning();
}
