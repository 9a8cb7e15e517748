#!/usr/bin/env node
// The sidecar agent (`trellis-agent bootstrap ...`).
import { register } from 'tsx/esm/api';

register();
await import('../sidecar/cli/main.ts');
