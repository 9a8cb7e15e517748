import { parse } from '@bufbuild/cel';
import type { TelemetrySpec } from '../schemas/telemetry.ts';
import { Findings } from './collector.ts';
import { checkSingleSelection } from './selection.ts';

type Mode = 'CLIENT_AND_SERVER' | 'CLIENT' | 'SERVER';
const modesOf = (mode: Mode | undefined): Mode[] => (mode === 'CLIENT' ? ['CLIENT'] : mode === 'SERVER' ? ['SERVER'] : ['CLIENT', 'SERVER']);

/** Why a CEL expression does not parse, or undefined. Envoy refuses a listener whose filter does not. */
export function celProblem(expression: string): string | undefined {
  try {
    parse(expression);
    return undefined;
  } catch (err) {
    return `not a CEL expression: ${(err instanceof Error ? err.message : String(err)).replace(/^<input>:/, 'at ')}`;
  }
}

export function validateTelemetry(spec: TelemetrySpec): Findings {
  const f = new Findings();
  checkSingleSelection(f, spec);
  const tracingModes = new Map<Mode, number>();
  spec.tracing?.forEach((t, i) => {
    if ((t.providers?.length ?? 0) > 1) f.add(['tracing', i, 'providers'], 'at most one tracing provider per entry (Envoy runs one tracer per listener)');
    for (const mode of modesOf(t.match?.mode)) {
      const earlier = tracingModes.get(mode);
      if (earlier !== undefined) f.add(['tracing', i, 'match', 'mode'], `tracing[${earlier}] already configures ${mode}; one tracing entry per mode`);
      else tracingModes.set(mode, i);
    }
    for (const [name, tag] of Object.entries(t.customTags ?? {})) {
      const kinds = [tag.literal, tag.environment, tag.header].filter((k) => k !== undefined).length;
      if (kinds !== 1) f.add(['tracing', i, 'customTags', name], 'set exactly one of literal, environment and header');
    }
  });
  spec.accessLogging?.forEach((a, i) => {
    if (a.filter) f.add(['accessLogging', i, 'filter', 'expression'], celProblem(a.filter.expression));
  });
  return f;
}
