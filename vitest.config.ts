import { defineConfig } from 'vitest/config';

/**
 * On a terminal the default reporter's live summary shows running files from the start; elsewhere
 * (CI, pipes) it prints a file only when it ends, and the slowest files run first, so there each
 * test is printed as it finishes instead.
 */
export function progressReporter(stdoutIsTty = process.stdout.isTTY === true, ci = Boolean(process.env.CI)): 'default' | 'verbose' {
  return stdoutIsTty && !ci ? 'default' : 'verbose';
}

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', '.tools/**', 'dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: [progressReporter()],
    pool: 'forks',
    // Two cores: Envoy and moto run beside the test workers.
    maxWorkers: 2,
  },
});
