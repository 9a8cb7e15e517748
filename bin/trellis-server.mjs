#!/usr/bin/env node
// Local mode: API and xDS in one process (see README).
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis-server'));
