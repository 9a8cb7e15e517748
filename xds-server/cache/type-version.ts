import { createHash } from 'node:crypto';
import { lowerBound } from '../../core/sorted-strings.ts';

/** One member of a type version's input: a resource's name and version on one line. */
export function versionLine(name: string, version: string): string {
  return `${name}\u0000${version}`;
}

/** The version of a set given as its members' lines, already sorted. */
export function versionOfSortedLines(lines: readonly string[]): string {
  return createHash('sha256').update(lines.join('\n')).digest('base64url').slice(0, 16);
}

/** A version for a set of resources: changes exactly when a member or a member's version does. */
export function typeVersion(entries: Iterable<readonly [string, string]>): string {
  return versionOfSortedLines([...entries].map(([name, version]) => versionLine(name, version)).sort());
}

/**
 * The sorted lines of `base` with `top`'s members in place of base members of the same name
 * (`inBase` says which names those are): the lines of the two read as one map (top winning),
 * without sorting the base again.
 */
export function mergeSortedLines(base: readonly string[], top: Iterable<readonly [string, string]>, inBase: (name: string) => boolean): string[] {
  const replaced = new Set<string>();
  const added: string[] = [];
  for (const [name, version] of top) {
    if (inBase(name)) replaced.add(name);
    added.push(versionLine(name, version));
  }
  const lines = replaced.size === 0 ? [...base] : base.filter((line) => !replaced.has(line.slice(0, line.lastIndexOf('\u0000'))));
  for (const line of added.sort()) lines.splice(lowerBound(lines, line), 0, line);
  return lines;
}
