#!/usr/bin/env node
// The sidecar agent (`trellis-agent bootstrap ...`, `trellis-agent run ...`).
import { register } from 'tsx/esm/api';

register();
await import('../sidecar/cli/main.ts');
