// `node dist/trellis-agent-setup.mjs`: a WorkloadSetupInput as JSON on stdin, its WorkloadSetup as JSON on stdout.
import { workloadSetup, type WorkloadSetupInput } from './workload-setup.ts';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
process.stdout.write(JSON.stringify(workloadSetup(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkloadSetupInput)));
