import type { FieldError } from '../../core/result.ts';
import type { XdsTypeUrl } from '../protos/index.ts';

/**
 * Something wrong in what a caller published. Reported, never thrown: the bad resource is
 * skipped (its last good version, if any, keeps being served) and the rest is published.
 */
export interface SnapshotIssue {
  scope: string;
  typeUrl: XdsTypeUrl;
  name: string;
  kind: 'invalid-resource' | 'name-mismatch' | 'missing-reference';
  message: string;
  errors?: FieldError[];
}
