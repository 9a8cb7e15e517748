import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VENV_BIN = path.join(ROOT, '.tools/venv/bin');

export const ENVOY_BIN = path.join(VENV_BIN, 'envoy');
export const MOTO_BIN = path.join(VENV_BIN, 'moto_server');
export const CFN_LINT_BIN = path.join(VENV_BIN, 'cfn-lint');
export const SCHEMATHESIS_BIN = path.join(VENV_BIN, 'schemathesis');
export const HADOLINT_BIN = path.join(VENV_BIN, 'hadolint');

export function assertToolsInstalled(): void {
  for (const bin of [ENVOY_BIN, MOTO_BIN, CFN_LINT_BIN, SCHEMATHESIS_BIN, HADOLINT_BIN]) {
    if (!existsSync(bin)) {
      throw new Error(`${bin} is missing: run \`bash scripts/ensure-test-tools.sh\` (npm test does this first)`);
    }
  }
}
