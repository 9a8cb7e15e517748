import { RE2JS } from 're2js';

/** Longest regular expression accepted; Envoy bounds program size, we bound the source. */
export const MAX_REGEX_LENGTH = 1024;

/** Why a pattern would be rejected by RE2 (Envoy's regex engine), or undefined when it compiles. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return `regex is ${pattern.length} characters long; the limit is ${MAX_REGEX_LENGTH}`;
  }
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return `regex is not valid RE2 syntax (lookarounds and backreferences are not supported): ${detail}`;
  }
}
