// Fan-out: how a one-route change reaches many sidecars, with clients that behave like the Envoy
// sidecars `trellis-agent run` bootstraps, so the figures are the ones a deployment sees.
//
//   npm run bench fanout                              # N = 100 and 1,000
//   npm run bench fanout -- --streams 1000,5000       # other sizes
//   npm run bench fanout -- --streams 1000 --pool 100 # 100 sidecars per HTTP/2 connection, for comparison
//   npm run bench fanout -- --envoy-check             # 5 real Envoys next to 5 simulated sidecars
//   npm run bench fanout -- --streams 1000 --profile /tmp/prof  # CPU profiles of the storm, the measured changes and the restart
//   npm run bench fanout -- --streams 5000 --loop-trace  # the callbacks in the longest event-loop turns of the storm, the changes and the restart (bench/loop-trace.ts)
//   npm run bench fanout -- --bare-nodes              # without the test tools' Envoy (see below); not a figure to report
//   npm run bench fanout -- --streams 5000 --client-processes 4  # the simulated sidecars spread over 4 processes (default 2)
//
// The simulated nodes carry what the test tools' Envoy adds to its node (build version, ~500
// extensions). Without that Envoy the bench refuses to run unless told --bare-nodes: nodes without
// a build version are served as older Envoys (no VHDS: a route change sends the whole route
// configuration) and their first requests are ~60 KB smaller, so every figure moves.
//
// The xDS server (`startXds`, in-memory workload registry) runs in this process with 10 meshes of 50
// services (ServiceEntry selecting app=svc-k, DestinationRule v1/v2, VirtualService 90/10). Two
// client processes run N simulated sidecars (bench/fanout-sidecar.ts), sidecar i in mesh i mod 10,
// workload svc-k with labels app/version and its own INSTANCE_IP 10.x.y.z, APP_PORT 8080 and the
// default inbound/outbound ports, SDS: true — the metadata `trellis-agent run` writes (it always
// hands Envoy its SDS socket), built by the same schema and bootstrap code (bench/fanout-node.ts).
// So every sidecar is its own cache scope and registers as an endpoint of its service. Even i speak
// delta xDS (trellis-agent's default), odd i state of the world, so even meshes hold only delta
// sidecars and odd meshes only SotW ones; each has its own HTTP/2 connection (checked with `ss`), sends
// `node` only on a stream's first request (with the user agent, build and extension list Envoy adds,
// read from the test tools' Envoy at start), subscribes CDS, then EDS of the EDS clusters, then LDS,
// then RDS of the routes the listeners name, ACKs every response and reconnects with backoff.
//
// What is printed per N (first line: connections as `ss` counts them at the server's port):
//   storm    all N sidecars start at once. "warm": until the last one has ACKed CDS, EDS of every
//            EDS cluster, LDS and RDS of every named route (clocked in the client processes on the
//            shared monotonic clock). "quiet": until the server pushed nothing for 1 s (registrations
//            keep changing endpoints after the first sidecars are warm). Server CPU per proxy:
//            process.cpuUsage() of this process from the start to quiet, / N. Event-loop delay
//            (monitorEventLoopDelay, 10 ms resolution) p99 and max over the same window.
//            Reconnects, disconnects and NACKs must all be 0. Then the responses the server sent
//            during the storm, per type and protocol (a registration changes its service's
//            endpoints, and its first one the service's clusters' SAN match, for the whole mesh).
//   memory   heapUsed and RSS of this process after GC once quiet, minus before the clients
//            started, / N (the 10 mesh indexes are loaded by the first sidecars and count too).
//   change   svc-0's weights in mesh-0 (delta sidecars) flip (50/50 ⇄ 90/10) 5 + 15 times, then the
//            same in mesh-1 (SotW sidecars), each on its own line; a mesh holds N/10 streams.
//            The first 5 follow the storm and run the virtual-host update before V8 has optimised
//            it: their CPU per affected proxy, ACK p99 and event-loop delay get a line of their own;
//            every other figure is of the 15 after them.
//            change → ACK: from just before the commit (so the 100 ms debounce is included) to the
//            server receiving each affected stream's ACK of the RDS push the change caused;
//            p50/p99/max over all ACKs of the 15 changes. "Last push sent": from the same start to
//            the server writing its last route/virtual-host push of the change (p50 and max over the
//            changes), which the simulated clients' own queueing does not reach: the two client
//            processes decode a burst of 50 responses each one after another on the shared cores,
//            which a fleet of Envoys does not. Server CPU per change per affected proxy:
//            from the commit's return to the last ACK, / affected (median of the 15). Bytes per
//            affected proxy: DiscoveryResponse bytes a sidecar of the changed mesh received (mean,
//            median of the 15). Pushes to other meshes, as the server sent them and as the clients received them:
//            must be 0. Event-loop delay: worst p99 and max of the 15 changes (a fresh monitor each).
//            "in the client processes": when the last response of a change reached a client
//            process (shared monotonic clock; p50 and max over the changes), the longest GC pause
//            Node reported in a client process that began before it, the major GCs among them, and
//            the client processes' longest event-loop delay in the change windows. A tail there that
//            the server's "last push sent" does not show is the simulated clients' own.
//   restart  a replica's restart (a deploy): the server ends every stream and stops listening,
//            and another starts on its port as soon as it is free, over the same store, bus and
//            registry (as the hosted topology's DynamoDB registry outlives a replica), while the
//            old one drains its connections. Each sidecar reconnects with Envoy's backoff, delta
//            streams naming the versions they hold, SotW streams the last version they accepted.
//            Server CPU per proxy (this process, the old server's draining included) and event-loop
//            delay: from the new server's start until every stream is back and in sync (an open
//            stream may not have had its requests read yet; at most 2 minutes) and nothing was
//            pushed for 1 s. Then resources the new server encoded, how many streams it holds
//            in sync (must be N), the responses it sent (none, when nothing changed meanwhile),
//            reconnects and why, and NACKs (must be 0). The new server runs in this process, whose
//            code V8 has already optimised and whose protobuf codecs are compiled; a new replica's
//            process starts without either, so its first seconds cost more than measured here.
//   Wall-clock figures move with the machine's load (the clients share it); CPU figures less so.
//
// --envoy-check prints, for 5 real Envoys (bench/fanout-envoy-check.ts) and 5 simulated sidecars
// of the same shape in mesh-0: whether the server holds the same subscriptions and resources for
// each pair, change → ACK at the server for both, and change → route applied inside each Envoy
// (its /config_dump `last_updated`) with the RDS update_success count per change (must be 1).
import { parseArgs } from 'node:util';
import { fanoutRun } from './fanout-run.ts';
import { envoyCheck } from './fanout-envoy-check.ts';
import { envoyNodeExtras } from './fanout-envoy-node.ts';
import { ENVOY_BIN } from '../test/support/tools.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    streams: { type: 'string', default: '100,1000' },
    pool: { type: 'string', default: '0' },
    'envoy-check': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'loop-trace': { type: 'boolean', default: false },
    'bare-nodes': { type: 'boolean', default: false },
    'client-processes': { type: 'string', default: '2' },
  },
});
const sizes = values.streams.split(',').map(Number);
const pool = Number(values.pool);
const clientProcesses = Number(values['client-processes']);
if (sizes.some((n) => !Number.isInteger(n) || n < 10) || !Number.isInteger(pool) || pool < 0 || !Number.isInteger(clientProcesses) || clientProcesses < 1 || clientProcesses > 16) {
  console.error('usage: fanout [--streams N,N...] (each N ≥ 10) [--pool N] [--client-processes 1-16] [--envoy-check] [--profile DIR] [--loop-trace] [--bare-nodes]');
  process.exit(2);
}
const extras = await envoyNodeExtras();
if (!extras && !values['bare-nodes']) {
  console.error(
    `no Envoy at ${ENVOY_BIN}: the simulated nodes would lack the build version and extension list a real Envoy sends ` +
      '(served as older Envoys, without VHDS, with smaller first requests), so no figure would be comparable. ' +
      'Install the test tools (bash scripts/ensure-test-tools.sh), or pass --bare-nodes to run anyway.',
  );
  process.exit(2);
}
console.log(extras ? `simulated nodes carry what Envoy ${extras.version} adds to its node (${(extras.fields.extensions as unknown[]).length} extensions)` : `--bare-nodes: simulated nodes lack the build version and extension list a real Envoy sends; these figures are not comparable with a real fleet's`);
if (values['envoy-check']) await envoyCheck(extras?.fields);
else for (const n of sizes) await fanoutRun(n, { pool, clientProcesses, nodeExtras: extras?.fields, profileDir: values.profile, loopTrace: values['loop-trace'] });
