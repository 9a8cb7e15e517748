import type { HeaderMatch, HeaderMatchMethod } from '../schemas/common.ts';

export type StringMatch = { exact?: string; prefix?: string; regex?: string };

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A header (or gRPC metadata) match as an Istio StringMatch; a range has no Istio form. */
export function stringMatchOf(m: HeaderMatchMethod | undefined): { match: StringMatch; approximated?: string } | { unsupported: string } {
  if (!m) return { match: {} };
  if (m.exact !== undefined) return { match: { exact: m.exact } };
  if (m.prefix !== undefined) return { match: { prefix: m.prefix } };
  if (m.regex !== undefined) return { match: { regex: m.regex } };
  if (m.suffix !== undefined) return { match: { regex: `.*${escapeRegex(m.suffix)}` }, approximated: `suffix "${m.suffix}" as a regex` };
  return { unsupported: `a range match [${m.range!.start}, ${m.range!.end}) has no Istio form; rewrite it as a regex` };
}

export interface HeaderConditions {
  headers: Record<string, StringMatch>;
  withoutHeaders: Record<string, StringMatch>;
  notes: string[];
  unsupported?: string;
}

/** App Mesh header matches: `invert` ones become withoutHeaders. */
export function headerConditions(matches: readonly HeaderMatch[] | undefined): HeaderConditions {
  const out: HeaderConditions = { headers: {}, withoutHeaders: {}, notes: [] };
  for (const h of matches ?? []) {
    const converted = stringMatchOf(h.match);
    if ('unsupported' in converted) {
      out.unsupported = `header ${h.name}: ${converted.unsupported}`;
      continue;
    }
    if (converted.approximated) out.notes.push(`header ${h.name}: ${converted.approximated}`);
    (h.invert ? out.withoutHeaders : out.headers)[h.name.toLowerCase()] = converted.match;
  }
  return out;
}

export { escapeRegex };
