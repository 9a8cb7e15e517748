#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
// Run as a command (the proxy image's entrypoint, an npm-installed bin), Node starts it with a 1 MB
// young generation and V8's size-first heuristics: one agent runs beside every workload, idle nearly
// always, and they save ~8 MB of RSS at no CPU cost that `npm run bench agent-load` can see.
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis-agent'));
