// Lint rules, including the dependency direction of docs/architecture.md (layout):
// core imports nothing of ours; translate/ and server/ never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const outside = (...folders) => folders.map((f) => `**/${f}/**`);

// Tests may reach test/support (real Envoy, moto); production code may not.
const restrict = (files, groups, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': ['error', { patterns: [{ group: groups, message }] }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.tools/**', '.trellis/**', 'dist/**', 'coverage/**', 'test/fixtures/lint/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  restrict(['core/**'], outside('functions', 'xds-server', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin'), 'core/ imports nothing outside core/.'),
  restrict(['core/adapters/**'], outside('functions', 'xds-server', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin'), 'adapters import only core/.'),
  restrict(['functions/**'], outside('xds-server', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin'), 'functions/ imports only core/.'),
  restrict(['xds-server/translate/**'], [...outside('server', 'cache', 'functions', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin'), '**/adapters/**'], 'translate/ is pure: it imports only core/ (no server, cache, adapters or I/O).'),
  restrict(['xds-server/server/**'], [...outside('translate', 'functions', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin')], 'server/ never knows about translation: it serves opaque versioned resources.'),
  restrict(['xds-server/control/**', 'xds-server/*.ts'], outside('functions', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin', 'local'), 'the xDS control layer imports core/ and xds-server/ only.'),
  restrict(['preview/**'], outside('sidecar', 'cli', 'infra', 'test', 'bench', 'bin', 'local'), 'preview/ (the preview Lambda) wires functions/ and the xDS translation only.'),
  restrict(['sidecar/**'], outside('functions', 'xds-server', 'cli', 'infra', 'test', 'bench', 'bin'), 'sidecar/ imports only core/.'),
  restrict(['cluster-agent/**'], outside('functions', 'xds-server', 'sidecar', 'cli', 'infra', 'test', 'bench', 'bin', 'local'), 'cluster-agent/ imports only core/ and talks to Trellis over HTTP.'),
  restrict(['infra/**'], outside('core', 'functions', 'xds-server', 'sidecar', 'cli', 'local', 'bin', 'bench'), 'infra/ refers to runtime code only by entry path, never by import.'),
  restrict(['local/**'], outside('test', 'bench', 'infra'), 'local/ wires the runtime pieces; it never imports tests or infra.'),
  restrict(['cli/**'], outside('functions', 'xds-server', 'sidecar', 'infra', 'test', 'bench', 'bin'), 'cli/ imports only core/ and talks to the API over HTTP.'),
);
