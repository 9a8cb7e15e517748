/** Why dist/ must be rebuilt for `app`, or undefined when it is current. */
export function staleReason(app: string): string | undefined;
/** The URL of `dist/<app>.mjs`, rebuilt first when the sources are newer. */
export function builtEntry(app: string): string;
