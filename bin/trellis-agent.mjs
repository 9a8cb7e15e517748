#!/usr/bin/env -S node --max-semi-space-size=1 --optimize-for-size
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
// Run as a command (the proxy image's entrypoint, an npm-installed bin), Node starts it with a 1 MB
// young generation and V8's size-first heuristics: one agent runs beside every workload, idle nearly
// always; they save 3-4 MiB of RSS, and under 1,000 requests/s the agent stays under 1% of a core
// with or without them (`npm run bench agent-start`, `npm run bench agent-load`).
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis-agent'));
