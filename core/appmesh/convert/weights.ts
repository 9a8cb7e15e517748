/** Relative weights rescaled to whole numbers summing to 100 (largest remainder); undefined when they sum to 0. */
export function normaliseWeights(weights: readonly number[]): number[] | undefined {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return undefined;
  const exact = weights.map((w) => (w * 100) / sum);
  const floors = exact.map(Math.floor);
  let left = 100 - floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]!++;
    left--;
  }
  return floors;
}
