// The sidecar agent's own cost while its Envoy carries traffic: `trellis-agent run --xds-mtls --envoy-path ...`
// (`node bin/trellis-agent.mjs` on the built dist/trellis-agent.mjs, its own process) in front of a local
// app; a paced keep-alive HTTP client in
// this process sends AGENT_LOAD_RPS requests/s (default 1,000) for AGENT_LOAD_SECONDS (default 30) to the
// sidecar's outbound listener, which routes them over mTLS (certificates from the agent's SDS) to the
// workload's own inbound listener and the app. Reports the agent's RSS idle and under load, its CPU% (of
// one core, from /proc), Envoy's for comparison, and the request latency. Prometheus scrapes the agent's
// merged /stats/prometheus every 15 s meanwhile, and the agent reports signals every 10 s (its default).
// AGENT_LOAD_TELEMETRY: none (default), logs (a mesh-wide Telemetry logs every request in Istio's text
// format to the proxy's stdout), tracing (OpenTelemetry tracer at 1% to a real OpenTelemetry Collector
// over OTLP/gRPC), or both: the figures with and without access logs and tracing.
// AGENT_NODE_FLAGS: Node/V8 flags for the agent's process (e.g. "--jitless"), to weigh a flag's memory against its CPU.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { builtEntry } from '../bin/ensure-built.mjs';
import { startTestTrellis } from '../test/support/local-trellis.ts';
import { startOtelCollector, type RunningCollector } from '../test/support/otel-collector.ts';
import { freePort, waitFor } from '../test/support/ports.ts';
import { ENVOY_BIN, ROOT } from '../test/support/tools.ts';
import { apply } from '../test/support/traffic.ts';
import { startUpstream } from '../test/support/upstream.ts';
import { ms, percentile } from './stats.ts';

const RPS = Number(process.env.AGENT_LOAD_RPS ?? 1000);
const SECONDS = Number(process.env.AGENT_LOAD_SECONDS ?? 30);
/** Requests in flight at most: a slow sidecar makes the client fall behind (reported), not pile up sockets. */
const MAX_IN_FLIGHT = 256;
const TICK_MS = 10;
const SCRAPE_EVERY_MS = 15_000;
const HOST = 'app.bench.svc.cluster.local';
const MESH = 'bench';
const TELEMETRY = process.env.AGENT_LOAD_TELEMETRY ?? 'none';
if (!['none', 'logs', 'tracing', 'both'].includes(TELEMETRY)) throw new Error('AGENT_LOAD_TELEMETRY is none, logs, tracing or both');
const AGENT_NODE_FLAGS = (process.env.AGENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const LOGS = TELEMETRY === 'logs' || TELEMETRY === 'both';
const TRACING = TELEMETRY === 'tracing' || TELEMETRY === 'both';

/** RSS (MiB) and CPU time (s) of a process, from /proc. */
function sample(pid: number): { rssMiB: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMiB: rssKiB / 1024, cpuSeconds: ticks / 100 };
}

/** The child of `pid` running `exe` (the Envoy the agent supervises). */
function childPid(pid: number, exe: string): number | undefined {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return children.find((c) => readFileSync(`/proc/${c}/cmdline`, 'utf8').includes(exe));
}

builtEntry('trellis-agent');
const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-bench-agent-load-'));
const trellis = await startTestTrellis({ xdsMtls: true });
const app = await startUpstream('app');
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
let agent: ReturnType<typeof spawn> | undefined;
let collector: RunningCollector | undefined;
try {
  if (TRACING) collector = await startOtelCollector();
  const providers = [
    ...(LOGS ? [{ name: 'stdout', envoyFileAccessLog: { path: '/dev/stdout' } }] : []),
    ...(collector ? [{ name: 'otel', opentelemetry: { service: '127.0.0.1', port: collector.grpcPort } }] : []),
  ];
  if ((await trellis.api('PUT', `/v1/meshes/${MESH}`, providers.length > 0 ? { extensionProviders: providers } : {})).status !== 201) throw new Error('mesh not created');
  if (providers.length > 0) {
    await apply(trellis, MESH, `apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata: { name: mesh-default, namespace: istio-system }
spec:
${LOGS ? '  accessLogging: [{ providers: [{ name: stdout }] }]\n' : ''}${TRACING ? '  tracing: [{ providers: [{ name: otel }], randomSamplingPercentage: 1 }]\n' : ''}`);
  }
  await apply(trellis, MESH, `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: app, namespace: bench }
spec:
  hosts: [${HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 80, name: http, protocol: HTTP }]
  workloadSelector: { labels: { app: app } }
`);
  const token = await trellis.api('POST', `/v1/meshes/${MESH}/join-tokens`, { namespace: 'bench', serviceAccount: 'app' });
  if (token.status !== 201) throw new Error(`join token: ${JSON.stringify(token.json)}`);
  const [adminPort, readyPort, outboundPort, inboundPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const args = ['run', '--api', trellis.apiUrl, '--join-token', (token.json as { token: string }).token, '--workload', 'app', '--label', 'app=app',
    '--address', '127.0.0.1', '--port', String(app.port), '--inbound-port', String(inboundPort), '--xds', trellis.xdsAddress, '--xds-mtls',
    '--envoy-path', ENVOY_BIN, '--envoy-arg', '--log-level', '--envoy-arg', 'error', '--envoy-arg', '--concurrency', '--envoy-arg', '1',
    '--admin-port', String(adminPort), '--ready-port', String(readyPort), '--outbound-port', String(outboundPort), '--metrics-port', String(metricsPort),
    '--work-dir', path.join(dir, 'app'), '--drain-seconds', '1'];
  // Envoy opens /dev/stdout for access logs, which a socket (Node's 'pipe') cannot be: a file, as under Docker.
  const accessLogPath = path.join(dir, 'stdout.log');
  const stdoutFd = LOGS ? openSync(accessLogPath, 'a') : undefined;
  agent = spawn(process.execPath, [...AGENT_NODE_FLAGS, path.join(ROOT, 'bin/trellis-agent.mjs'), ...args], { cwd: ROOT, stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'], env: { ...process.env, TRELLIS_LOG_LEVEL: 'warn' } });
  if (stdoutFd !== undefined) closeSync(stdoutFd);
  const pid = agent.pid!;
  let output = '';
  const keep = (b: Buffer) => void (output = (output + b.toString()).slice(-4000));
  agent.stdout?.on('data', keep);
  agent.stderr!.on('data', keep);

  const request = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.get({ host: '127.0.0.1', port: outboundPort, path: '/', headers: { host: HOST }, agent: keepAlive, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/stats/prometheus`, { signal: AbortSignal.timeout(5000) });
    if (res.status !== 200 || !(await res.text()).includes('trellis_agent_certificate_expiry_timestamp_seconds')) throw new Error(`scrape answered ${res.status}`);
  };

  await waitFor(async () => (await fetch(`http://127.0.0.1:${readyPort}/ready`)).status === 200, 'agent ready', 60_000, 20)
    .then(() => waitFor(() => request().then(() => true), 'a request through the sidecar (mTLS to its own inbound listener)', 60_000, 50))
    .catch((err: Error) => {
      throw new Error(`${err.message}\n--- agent and Envoy output ---\n${output}`);
    });
  for (let i = 0; i < 200; i++) await request();
  // Idle: what the agent holds once its work is done, before the load.
  await new Promise((r) => setTimeout(r, 5000));
  const idle = sample(pid);
  const envoyPid = childPid(pid, ENVOY_BIN) ?? childPid(pid, 'envoy');
  if (envoyPid === undefined) throw new Error('the agent runs no Envoy child');

  const latencies: number[] = [];
  let failures = 0;
  let firstFailure = '';
  const failed = (err: Error) => {
    failures++;
    firstFailure ||= err.message;
  };
  let inFlight = 0;
  let behind = 0;
  const rss: number[] = [];
  const startAgent = sample(pid);
  const startEnvoy = sample(envoyPid).cpuSeconds;
  const started = performance.now();
  const total = RPS * SECONDS;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  let nextScrape = started + SCRAPE_EVERY_MS;
  let nextSample = started + 1000;
  // Open loop: each tick sends what the schedule says is due by now, so the rate does not follow latency.
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * RPS));
    while (sent < due) {
      if (inFlight >= MAX_IN_FLIGHT) {
        behind += due - sent;
        sent = due;
        break;
      }
      sent++;
      inFlight++;
      const p: Promise<void> = request().then(
        (latency) => void latencies.push(latency),
        failed,
      ).finally(() => {
        inFlight--;
        pending.delete(p);
      });
      pending.add(p);
    }
    if (now >= nextScrape) {
      nextScrape += SCRAPE_EVERY_MS;
      pending.add(scrape().catch(failed));
    }
    if (now >= nextSample) {
      nextSample += 1000;
      rss.push(sample(pid).rssMiB);
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const endAgent = sample(pid);
  const envoyEnd = sample(envoyPid);
  const envoyCpu = (envoyEnd.cpuSeconds - startEnvoy) / seconds;

  if (AGENT_NODE_FLAGS.length > 0) console.log(`agent node flags: ${AGENT_NODE_FLAGS.join(' ')}`);
  console.log(`telemetry: ${TELEMETRY}${LOGS ? ` (access log of every request to stdout, both sides: ${(statSync(accessLogPath).size / 1024 / 1024).toFixed(1)} MiB written)` : ''}${collector ? ` (tracing at 1%: ${new Set(collector.spans().map((x) => x.traceId)).size} traces at the collector)` : ''}`);
  console.log(`load: ${latencies.length} requests answered 200 in ${seconds.toFixed(1)} s (${(latencies.length / seconds).toFixed(0)}/s of ${RPS}/s asked; ${failures} failed${firstFailure ? ` (first: ${firstFailure})` : ''}, ${behind} not sent because ${MAX_IN_FLIGHT} were in flight), paced keep-alive client over loopback`);
  console.log(`latency through the sidecar (outbound → mTLS → inbound → app): p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`);
  console.log(`agent RSS idle (5 s after ready and a warm-up): ${idle.rssMiB.toFixed(1)} MiB`);
  console.log(`agent RSS under load: median ${percentile(rss, 50).toFixed(1)} MiB, max ${Math.max(...rss, endAgent.rssMiB).toFixed(1)} MiB, at the end ${endAgent.rssMiB.toFixed(1)} MiB`);
  console.log(`agent CPU under load: ${(((endAgent.cpuSeconds - startAgent.cpuSeconds) / seconds) * 100).toFixed(1)}% of one core (Envoy: ${(envoyCpu * 100).toFixed(1)}%, Envoy RSS at the end ${envoyEnd.rssMiB.toFixed(1)} MiB)`);
  const answered = latencies.length / seconds;
  if (failures > 0 || answered < RPS * 0.95) throw new Error(`${failures} requests or scrapes failed and ${answered.toFixed(0)}/s were answered: the figures above do not describe ${RPS} requests/s`);
} finally {
  keepAlive.destroy();
  if (agent && agent.exitCode === null) {
    const exited = new Promise((resolve) => agent!.once('exit', resolve));
    agent.kill('SIGTERM');
    const killer = setTimeout(() => agent!.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
  await app.close();
  await trellis.close();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
}
