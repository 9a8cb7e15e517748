#!/usr/bin/env node
// The operator CLI (`trellis apply -f ...`, `trellis proxy-status`, ...; see docs/cli.md).
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis'));
