#!/usr/bin/env node
// Local mode: API and xDS in one process (see README).
import { register } from 'tsx/esm/api';

register();
await import('../local/main.ts');
