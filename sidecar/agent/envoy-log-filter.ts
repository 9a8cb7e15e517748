/**
 * Envoy prints, at info level on every start, a list of every compiled-in extension and its header
 * map layout (~130 long lines). The filter drops those blocks and passes everything else through,
 * so warnings, errors and the rest of Envoy's own log reach the agent's log unchanged.
 */
const BANNER_HEADINGS = ['statically linked extensions:', 'HTTP header map info:'];
/** `[time][pid][level][logger] [file:line] message`: Envoy's default log format. */
const ENVOY_LINE = /^\[[^\]]*\]\[[^\]]*\]\[(\w+)\]\[[^\]]*\] \[[^\]]*\] (.*)$/;

export class EnvoyBannerFilter {
  private inBanner = false;

  /** Whether `line` belongs in the agent's log. */
  keep(line: string): boolean {
    const m = ENVOY_LINE.exec(line);
    if (!m) {
      this.inBanner = false;
      return true;
    }
    const [, level, message] = m as unknown as [string, string, string];
    // Warnings and errors always pass; one logged while the banner prints does not end it.
    if (level !== 'info' && level !== 'debug' && level !== 'trace') return true;
    if (BANNER_HEADINGS.some((h) => message.endsWith(h))) {
      this.inBanner = true;
      return false;
    }
    // The banner's entries are indented under their heading.
    if (this.inBanner && message.startsWith('  ')) return false;
    this.inBanner = false;
    return true;
  }
}

/** The message of an Envoy log line without its `[time][pid][level][logger] [file:line]` prefix; other lines unchanged. */
export function envoyMessage(line: string): string {
  return ENVOY_LINE.exec(line)?.[2] ?? line;
}
