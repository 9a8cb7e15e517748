/** A value the template resolver could not produce: a missing parameter or import, or a function it cannot evaluate. */
export interface ResolveProblem {
  /** `file:Resources.X.Properties.Spec...` where the reference is. */
  path: string;
  message: string;
  /** The command-line flag that would supply the missing value (`--parameter Port=<Number>`), when one would. */
  flag?: string;
}

/** Collects problems once each (a condition or parameter used by many resources is reported at its own path). */
export class ProblemList {
  readonly items: ResolveProblem[] = [];
  private readonly seen = new Set<string>();

  add(problem: ResolveProblem): void {
    const key = `${problem.path}\u0000${problem.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(problem);
  }
}

/** Stands for a value that could not be resolved; anything built from it is unresolved too. */
export const UNRESOLVED: unique symbol = Symbol('unresolved');
/** `AWS::NoValue`: the property (or list item) is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

export function containsUnresolved(value: unknown, depth = 0): boolean {
  if (value === UNRESOLVED) return true;
  if (typeof value !== 'object' || value === null || depth > 128) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => containsUnresolved(v, depth + 1));
}
