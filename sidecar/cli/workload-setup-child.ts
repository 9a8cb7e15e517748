import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkloadSetup, WorkloadSetupInput } from './workload-setup.ts';

/** The setup program's bundle beside the agent's in dist/ (scripts/build.ts). */
export const SETUP_BUNDLE = 'trellis-agent-setup';
const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 1 << 20;

/**
 * Runs workloadSetup in a short-lived child process: the schema library and the YAML writer it
 * loads would stay in the agent's memory for its whole life (~6 MiB of RSS) once imported, and a
 * worker thread's isolate leaves ~3.5 MiB behind where an exited process leaves nothing.
 */
export function workloadSetupInChild(input: WorkloadSetupInput): Promise<WorkloadSetup> {
  // From source (tests, tsx) the child runs the TypeScript entry through tsx.
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = fileURLToPath(new URL(fromSource ? './workload-setup-main.ts' : `./${SETUP_BUNDLE}.mjs`, import.meta.url));
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), entry], { stdio: ['pipe', 'pipe', 'pipe'], timeout: TIMEOUT_MS });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout = (stdout + text).slice(0, MAX_OUTPUT)));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  child.stdin.end(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`the workload setup process did not start: ${err.message}`, { cause: err })));
    child.once('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`the workload setup process ended with ${signal ?? `code ${code}`}: ${stderr.trim() || 'no output'}`));
      try {
        resolve(JSON.parse(stdout) as WorkloadSetup);
      } catch (err) {
        reject(new Error(`the workload setup process answered no JSON: ${stdout.slice(0, 200)}`, { cause: err }));
      }
    });
  });
}
