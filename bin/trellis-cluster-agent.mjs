#!/usr/bin/env node
// The Kubernetes cluster agent (`trellis-cluster-agent --server ... --mesh ... --cluster ...`).
import { builtEntry } from './ensure-built.mjs';

await import(builtEntry('trellis-cluster-agent'));
