import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import { signCertificateRequest } from '../../../core/identity/certificate-auth.ts';
import { MAX_REPORT_SERVICES } from '../../../core/signals/report-limits.ts';
import { httpRequest } from '../http-request.ts';
import { fetchText } from './fetch-text.ts';
import { istioMetrics, type WorkloadIdentity } from './istio-metrics.ts';
import { MAX_SCRAPE_BYTES } from './merged-scrape.ts';
import { parsePrometheusText } from './prometheus-text.ts';
import { deltas, serviceTotals, type ServiceTotals } from './signal-deltas.ts';
import { chainDer } from '../certificate-chain.ts';

export interface SignalReporterOptions {
  apiUrl: string;
  mesh: string;
  envoyAdminPort: number;
  identity: () => WorkloadIdentity;
  /** The current certificate and key: reports are signed with them; none yet, no report. */
  credential: () => { certificateChainPem: string; privateKey: KeyObject } | undefined;
  periodMs: number;
  logger: Logger;
  now?: () => Date;
}


/**
 * Every period, sends the control plane what this sidecar's clients-side Istio metrics counted
 * since the last report (per service and version), signed with the workload certificate. A report
 * that fails is not retried: its counts go into the next one.
 */
export class SignalReporter {
  private previous = new Map<string, ServiceTotals>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly o: SignalReporterOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.report().finally(() => (this.running = undefined));
    }, this.o.periodMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One report now; resolves whether or not the API took it. */
  async report(): Promise<void> {
    const credential = this.o.credential();
    if (!credential) return;
    try {
      const parsed = parsePrometheusText(await fetchText(`http://127.0.0.1:${this.o.envoyAdminPort}/stats/prometheus`, MAX_SCRAPE_BYTES, 5000));
      if (!parsed.ok) throw new Error("Envoy's stats do not parse");
      const istio = parsePrometheusText(istioMetrics(new Map(parsed.value.map((f) => [f.name, f])), this.o.identity()));
      if (!istio.ok) throw new Error('the Istio metrics do not parse');
      const current = serviceTotals(istio.value);
      const services = deltas(this.previous, current).slice(0, MAX_REPORT_SERVICES);
      if (services.length === 0) {
        this.previous = current;
        return;
      }
      const path = `/v1/meshes/${encodeURIComponent(this.o.mesh)}/signals/reports`;
      const body = JSON.stringify({ services });
      const authorization = signCertificateRequest({ method: 'POST', path, timestamp: Math.floor((this.o.now?.() ?? new Date()).getTime() / 1000), body, chainDer: chainDer(credential.certificateChainPem), privateKey: credential.privateKey });
      const res = await httpRequest(new URL(path, this.o.apiUrl), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body, timeoutMs: 10_000 });
      if (res.status === 501) {
        // The deployment collects no signals (started without a signals store): stop, rather than warn every period.
        this.o.logger.info('the control plane does not collect golden signals; signal reports stopped');
        clearInterval(this.timer);
        return;
      }
      if (res.status !== 204) throw new Error(`the API answered ${res.status}: ${res.text.slice(0, 300)}`);
      this.previous = current;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'signal report not sent; its counts go into the next');
    }
  }
}
