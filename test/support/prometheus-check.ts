import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './tools.ts';

/** One sample as the reference parser read it. */
export interface CheckedSample {
  family: string;
  type: string;
  name: string;
  labels: Record<string, string>;
  value: number;
}

// The Prometheus project's Python client parses the text; a family TYPEd twice is refused here too
// (the client names a counter family without its _total, so its own family names may repeat).
const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = sys.stdin.read()
typed = [line.split()[2] for line in text.split("\\n") if line.startswith("# TYPE ")]
twice = sorted({n for n in typed if typed.count(n) > 1})
if twice:
    raise SystemExit("families typed twice: %s" % ", ".join(twice[:5]))
out = []
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        v = s.value
        out.append({"family": fam.name, "type": fam.type, "name": s.name, "labels": s.labels, "value": v if v == v and abs(v) != float("inf") else str(v)})
json.dump(out, sys.stdout)
`;

/** Parses Prometheus text with prometheus_client (from .tools/venv); throws with the parser's message when it is not valid. */
export function checkPrometheusText(text: string): CheckedSample[] {
  const run = spawnSync(path.join(ROOT, '.tools/venv/bin/python'), ['-c', SCRIPT], { input: text, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`not valid Prometheus text: ${run.stderr.trim().split('\n').slice(-3).join('\n')}`);
  return (JSON.parse(run.stdout) as (Omit<CheckedSample, 'value'> & { value: number | string })[]).map((s) => ({ ...s, value: typeof s.value === 'number' ? s.value : Number(s.value.replace('inf', 'Infinity')) }));
}
