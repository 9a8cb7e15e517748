import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/**
 * An App Mesh name as a DNS-1123 label: lower case, runs of other characters to `-`, at most 63
 * characters. A name that had to be shortened keeps a hash of the original, so it stays unique.
 */
export function toDnsLabel(name: string): string {
  let label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (label === '') label = `x-${shortHash(name)}`;
  if (label.length > MAX_LABEL) label = `${label.slice(0, MAX_LABEL - 7).replace(/-+$/, '')}-${shortHash(name)}`;
  return label;
}

/** Hands out labels per scope; two App Mesh names that sanitise alike get hash suffixes, deterministically. */
export class NameRegistry {
  private readonly byScope = new Map<string, Map<string, string>>();
  /** Every name that came out different from the App Mesh name, in the order they were handed out. */
  readonly renames: { scope: string; from: string; to: string }[] = [];

  /** Hands out names for all of `originals` at once: those that are DNS labels already keep them, whatever the order. */
  reserve(scope: string, originals: Iterable<string>): void {
    const all = [...originals];
    for (const o of all) if (toDnsLabel(o) === o) this.name(scope, o);
    for (const o of all) this.name(scope, o);
  }

  name(scope: string, original: string): string {
    let scoped = this.byScope.get(scope);
    if (!scoped) this.byScope.set(scope, (scoped = new Map()));
    const key = `${original}`;
    const existing = scoped.get(key);
    if (existing) return existing;
    let label = toDnsLabel(original);
    const taken = new Set(scoped.values());
    if (taken.has(label)) label = `${label.slice(0, MAX_LABEL - 7).replace(/-+$/, '')}-${shortHash(original)}`;
    scoped.set(key, label);
    if (label !== original) this.renames.push({ scope, from: original, to: label });
    return label;
  }
}
