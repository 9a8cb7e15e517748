#!/usr/bin/env node
// The operator CLI (`trellis apply -f ...`, `trellis proxy-status`, ...; see docs/cli.md).
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
