type Env = Readonly<Record<string, string | undefined>>;

/** Colour only on a terminal, never with `NO_COLOR` (https://no-color.org) or `TERM=dumb`. */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Color = keyof typeof CODES;

export type Paint = (text: string, color: Color) => string;

export const paintWith =
  (enabled: boolean): Paint =>
  (text, color) =>
    enabled ? `\u001b[${CODES[color]}m${text}\u001b[0m` : text;

/** The colour of an xDS sync state. */
export function stateColor(state: string): Color | undefined {
  if (state === 'SYNCED') return 'green';
  if (state === 'STALE') return 'yellow';
  if (state === 'NACKED') return 'red';
  return undefined;
}
