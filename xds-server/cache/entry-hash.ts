/** 32-bit FNV-1a of a string. */
function fnv1a(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A 64-bit hash of one (name, version) pair, as two 32-bit halves: what set digests XOR together. */
export function entryHash(name: string, version: string): readonly [number, number] {
  const key = `${name}\u0000${version}`;
  return [fnv1a(key, 0x811c9dc5), fnv1a(key, 0x01234567)];
}
