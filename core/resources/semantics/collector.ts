import type { FieldError } from '../../result.ts';
import { formatPath, type PathSegment } from '../field-path.ts';

/** Collects semantic errors at paths relative to a base (usually `spec`). */
export class Findings {
  readonly errors: FieldError[] = [];

  constructor(private readonly base: readonly PathSegment[] = ['spec']) {}

  add(path: readonly PathSegment[], message: string | undefined): void {
    if (message) this.errors.push({ path: formatPath([...this.base, ...path]), message });
  }
}
