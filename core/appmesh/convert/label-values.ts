import { toDnsLabel } from '../names.ts';

export { labelValueProblem, qualifiedNameProblem } from '../../resources/formats/names.ts';

/** A label key name or value from free text (Cloud Map attributes): kept when valid, else a DNS label. */
export function toDnsLabelIfNeeded(text: string): string {
  return /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(text) ? text : toDnsLabel(text);
}
