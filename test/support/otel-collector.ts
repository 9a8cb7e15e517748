import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';
import { ROOT } from './tools.ts';

/** A span as the collector exports it over OTLP/HTTP JSON, flattened with its resource's service.name. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  serviceName?: string;
  attributes: Record<string, string>;
}

/** A log record as the collector exports it, flattened with its resource's attributes. */
export interface OtlpLogRecord {
  body?: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
}

export interface RunningCollector {
  /** OTLP/gRPC receiver on 127.0.0.1. */
  grpcPort: number;
  spans(): OtlpSpan[];
  logs(): OtlpLogRecord[];
  stop(): Promise<void>;
}

interface KeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
}
type Export = {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: KeyValue[] }[] }[] }[];
  resourceLogs?: { resource?: { attributes?: KeyValue[] }; scopeLogs?: { logRecords?: { body?: { stringValue?: string }; attributes?: KeyValue[] }[] }[] }[];
};

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const attributes = (kvs: KeyValue[] | undefined): Record<string, string> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, String(kv.value?.stringValue ?? kv.value?.intValue ?? kv.value?.boolValue ?? kv.value?.doubleValue ?? '')]));

/**
 * A real OpenTelemetry Collector (built by scripts/ensure-otel-collector.sh) receiving OTLP/gRPC
 * on a loopback port and exporting what it received as OTLP/HTTP JSON to a server in this process,
 * so a test reads exactly what the collector decoded.
 */
export async function startOtelCollector(): Promise<RunningCollector> {
  const binary = execFileSync('bash', [path.join(ROOT, 'scripts/ensure-otel-collector.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_200_000 }).trim();
  const spans: OtlpSpan[] = [];
  const logs: OtlpLogRecord[] = [];
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Export;
      for (const rs of body.resourceSpans ?? []) {
        const resource = attributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ traceId: s.traceId, spanId: s.spanId, ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}), name: s.name, serviceName: resource['service.name'], attributes: attributes(s.attributes) });
      }
      for (const rl of body.resourceLogs ?? []) {
        const resource = attributes(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) logs.push({ ...(r.body?.stringValue !== undefined ? { body: r.body.stringValue } : {}), attributes: attributes(r.attributes), resource });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkPort = (sink.address() as net.AddressInfo).port;
  const grpcPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-otelcol-'));
  const config = path.join(dir, 'config.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
      exporters: { otlp_http: { endpoint: `http://127.0.0.1:${sinkPort}`, encoding: 'json', compression: 'none', retry_on_failure: { enabled: false } } },
      service: {
        // No internal metrics server: its default port would clash between collectors on one machine.
        telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
        pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp_http'] }, logs: { receivers: ['otlp'], exporters: ['otlp_http'] } },
      },
    }),
  );
  let output = '';
  const child = spawn(path.resolve(ROOT, binary), ['--config', `file:${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr.on('data', (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  let exited = false;
  child.on('exit', () => (exited = true));
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(grpcPort, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  const close = async () => {
    if (!exited) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await gone;
    }
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`the collector exited:\n${output}`);
      return accepts();
    }, 'the collector accepting OTLP/gRPC', 30_000, 100);
  } catch (err) {
    await close();
    throw err;
  }
  return { grpcPort, spans: () => [...spans], logs: () => [...logs], stop: close };
}
