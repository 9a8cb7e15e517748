#!/usr/bin/env node
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis-agent'));
