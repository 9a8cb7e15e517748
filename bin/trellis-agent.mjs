#!/usr/bin/env node
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
import v8 from 'node:v8';
import { builtEntry } from './ensure-built.mjs';

// One agent idles beside every workload: a young generation that stays at its first 1 MB semi-space
// saves it 3-4 MiB of RSS, and at 1,000 requests/s through its sidecar it uses under 1% of a core
// either way (`npm run bench agent-start`, `npm run bench agent-load`). V8 reads the growth factor
// whenever it would grow the young generation, so setting it here, before the agent loads, takes
// effect however the agent is launched (a #! line with flags needs `env -S`, which BusyBox lacks).
v8.setFlagsFromString('--semi-space-growth-factor=1');

await import(builtEntry('trellis-agent'));
