import { emptyDurations, MAX_WINDOW_SECONDS, SLOT_SECONDS, slotOf, summarise, windowSlots, type GoldenSignalsStore, type ServiceSignals, type SignalReport, type SlotCounts, type VersionSignals } from '../../../signals/index.ts';

/** Services × versions kept per mesh; reports on further ones are ignored until old ones age out. */
const MAX_SERIES_PER_MESH = 20_000;

interface Slot extends SlotCounts {
  at: number;
  reporters: Set<string>;
}

const key = (...parts: string[]) => parts.join('\u0000');

/** Golden signals in this process's memory (local mode): the xDS server and the API share it. */
export class InMemorySignals implements GoldenSignalsStore {
  /** mesh key → host → version → slots, oldest first. */
  private readonly meshes = new Map<string, Map<string, Map<string, Slot[]>>>();

  async record(tenantId: string, mesh: string, reporter: string, report: SignalReport, at: Date): Promise<void> {
    const slotAt = slotOf(at);
    let hosts = this.meshes.get(key(tenantId, mesh));
    if (!hosts) this.meshes.set(key(tenantId, mesh), (hosts = new Map()));
    this.prune(hosts, slotAt);
    let series = [...hosts.values()].reduce((n, v) => n + v.size, 0);
    for (const s of report.services) {
      let versions = hosts.get(s.host);
      if (!versions?.has(s.version) && series >= MAX_SERIES_PER_MESH) continue;
      if (!versions) hosts.set(s.host, (versions = new Map()));
      let slots = versions.get(s.version);
      if (!slots) {
        versions.set(s.version, (slots = []));
        series++;
      }
      let slot = slots.at(-1);
      if (!slot || slot.at !== slotAt) slots.push((slot = { at: slotAt, requests: 0, errors: 0, durations: emptyDurations(), reporters: new Set() }));
      slot.requests += s.requests;
      slot.errors += s.errors;
      s.durationCounts.forEach((c, i) => (slot.durations[i]! += c));
      slot.reporters.add(reporter);
    }
  }

  async read(tenantId: string, mesh: string, host: string, windowSeconds: number, at: Date): Promise<ServiceSignals> {
    const { windowSeconds: window, afterSlot, lastSlot } = windowSlots(windowSeconds, at);
    const versions = this.meshes.get(key(tenantId, mesh))?.get(host) ?? new Map<string, Slot[]>();
    const reporters = new Set<string>();
    const all: Slot[] = [];
    const per: VersionSignals[] = [];
    for (const [version, slots] of [...versions].sort(([a], [b]) => a.localeCompare(b))) {
      const inWindow = slots.filter((s) => s.at > afterSlot && s.at <= lastSlot);
      if (inWindow.length === 0) continue;
      inWindow.forEach((s) => s.reporters.forEach((r) => reporters.add(r)));
      all.push(...inWindow);
      per.push(summarise(version, inWindow, window));
    }
    return { host, windowSeconds: window, reporters: reporters.size, total: summarise('all', all, window), versions: per };
  }

  private prune(hosts: Map<string, Map<string, Slot[]>>, slotAt: number): void {
    const oldest = slotAt - MAX_WINDOW_SECONDS / SLOT_SECONDS;
    for (const [host, versions] of hosts) {
      for (const [version, slots] of versions) {
        while (slots.length > 0 && slots[0]!.at <= oldest) slots.shift();
        if (slots.length === 0) versions.delete(version);
      }
      if (versions.size === 0) hosts.delete(host);
    }
  }
}
