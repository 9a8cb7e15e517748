/** How an App Mesh field came across: as is, close enough (the note says how), or not at all (the note says what to do). */
export type ReportStatus = 'mapped' | 'approximated' | 'none';

export interface ReportEntry {
  /** `Kind/mesh/name` of the App Mesh resource, e.g. `VirtualNode/howto/colorteller-blue`. */
  source: string;
  /** The App Mesh field, in the API's spelling: `spec.listeners[0].outlierDetection`. */
  field: string;
  status: ReportStatus;
  /** Where it went: `DestinationRule howto/colorteller spec.subsets[0].trafficPolicy.outlierDetection`. */
  trellis?: string;
  note: string;
}

/** Collects report entries in the order the conversion meets them. */
export class ImportReport {
  readonly entries: ReportEntry[] = [];

  mapped(source: string, field: string, trellis: string, note = ''): void {
    this.entries.push({ source, field, status: 'mapped', trellis, note });
  }

  approximated(source: string, field: string, trellis: string | undefined, note: string): void {
    this.entries.push({ source, field, status: 'approximated', ...(trellis ? { trellis } : {}), note });
  }

  none(source: string, field: string, note: string): void {
    this.entries.push({ source, field, status: 'none', note });
  }

  counts(): Record<ReportStatus, number> {
    const counts: Record<ReportStatus, number> = { mapped: 0, approximated: 0, none: 0 };
    for (const e of this.entries) counts[e.status]++;
    return counts;
  }
}
