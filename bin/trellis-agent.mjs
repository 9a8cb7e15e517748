#!/usr/bin/env node
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
import v8 from 'node:v8';
import { builtEntry } from './ensure-built.mjs';

// One agent idles beside every workload. V8 reads these flags whenever it would grow the young
// generation or optimize a function, so setting them here, before the agent loads, takes effect
// however the agent is launched (a #! line with flags needs `env -S`, which BusyBox lacks).
// A young generation kept at its first 1 MB semi-space saves 3-4 MiB of RSS; without the
// optimizing compiler the agent idles at 53.8 MiB instead of 57.5 (its code pages never load),
// with CPU at 1,000 requests/s through its sidecar at 0.4-0.6% of a core either way and parsing
// an 8,000-line Envoy scrape in ~43 ms instead of ~32 (`npm run bench agent-start`, `agent-load`).
// --jitless would save 2 MiB more but cannot be set once V8 runs (it aborts compiling WebAssembly).
v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--no-opt');

await import(builtEntry('trellis-agent'));
