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

/**
 * What became of one App Mesh resource: converted (perhaps with fields reported as approximated or
 * none), not converted (the reasons say why), or skipped because CloudFormation would not create it.
 */
export interface ResourceOutcome {
  source: string;
  kind: string;
  outcome: 'converted' | 'not converted' | 'skipped';
  reasons: string[];
}

/** An App Mesh name that had to change to become a Trellis name (a DNS label). */
export interface Rename {
  /** What carries the name: `VirtualNode colorapp/color_client (metadata name, label value)`. */
  what: string;
  from: string;
  to: string;
}

export type Coverage = Record<ReportStatus, number>;

const APP_MESH_SOURCE = /^(Mesh|VirtualNode|VirtualService|VirtualRouter|Route|VirtualGateway|GatewayRoute)\//;

/** Collects report entries in the order the conversion meets them, and what became of each resource. */
export class ImportReport {
  readonly entries: ReportEntry[] = [];
  readonly resources: ResourceOutcome[] = [];
  readonly renames: Rename[] = [];
  private readonly leftOutReasons = new Map<string, string[]>();
  private readonly sources = new Set<string>();

  private add(entry: ReportEntry): void {
    this.entries.push(entry);
    this.sources.add(entry.source);
  }

  mapped(source: string, field: string, trellis: string, note = ''): void {
    this.add({ source, field, status: 'mapped', trellis, note });
  }

  approximated(source: string, field: string, trellis: string | undefined, note: string): void {
    this.add({ source, field, status: 'approximated', ...(trellis ? { trellis } : {}), note });
  }

  none(source: string, field: string, note: string): void {
    this.add({ source, field, status: 'none', note });
  }

  /** A field with no equivalent that costs the whole resource: it is not converted, and the import is incomplete. */
  leftOut(source: string, field: string, note: string): void {
    this.none(source, field, note);
    this.leftOutReasons.set(source, [...(this.leftOutReasons.get(source) ?? []), note]);
  }

  /** Why a resource was left out, or undefined when it was not. */
  reasonsLeftOut(source: string): string[] | undefined {
    return this.leftOutReasons.get(source);
  }

  hasEntriesFor(source: string): boolean {
    return this.sources.has(source);
  }

  counts(): Coverage {
    const counts: Coverage = { mapped: 0, approximated: 0, none: 0 };
    for (const e of this.entries) counts[e.status]++;
    return counts;
  }

  /** Field counts per App Mesh resource type (entries about the input files themselves are not counted). */
  coverage(): Record<string, Coverage> {
    const byKind: Record<string, Coverage> = {};
    for (const e of this.entries) {
      const kind = APP_MESH_SOURCE.exec(e.source)?.[1];
      if (!kind) continue;
      (byKind[kind] ??= { mapped: 0, approximated: 0, none: 0 })[e.status]++;
    }
    return byKind;
  }

  notConverted(): ResourceOutcome[] {
    return this.resources.filter((r) => r.outcome === 'not converted');
  }
}
