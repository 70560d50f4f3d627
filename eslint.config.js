import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_IO = ['node:child_process', 'node:net', 'node:http', 'node:https', 'node:dgram', 'child_process', 'net', 'http', 'https'];
const ADAPTERS = ['@zilliz/*', '@kubernetes/*', 'testcontainers', '**/platform/**', '**/workload/**', '**/runner/**', '**/report/**', '**/cli/**'];

/** A lint block forbidding `files` to import `banned` (folders of ours or packages); pure folders also lose process and network modules. */
function layer(files, banned, message, { pure = false } = {}) {
  const patterns = [{ group: banned, message }];
  if (pure) patterns.push({ group: NODE_IO, message: 'pure folder: no process or network code' });
  return [{ files: [files], rules: { 'no-restricted-imports': ['error', { patterns }] } }];
}

export default tseslint.config(
  { ignores: ['node_modules/', '.drill/', 'dist/', 'reports/', 'bench/**/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  // Layering: each folder may import only the folders below it. Adapters meet only in the runner.
  ...layer('src/core/**/*.ts', ['../*', '../**'], 'core imports nothing of ours', { pure: true }),
  ...layer('src/{scenario,plan,history,checks,slo,faults}/**/*.ts', ADAPTERS, 'pure folder: adapters meet only in the runner', { pure: true }),
  ...layer('src/dataset/**/*.ts', [...ADAPTERS, '**/scenario/**', '**/checks/**', '**/slo/**', '**/history/**'], 'the generator depends on nothing but core', { pure: true }),
  ...layer('src/{util,supervise}/**/*.ts', ADAPTERS, 'shared services know no platform, driver or runner'),
  ...layer('src/truth/**/*.ts', ADAPTERS, 'the truth engine knows no platform, driver or runner'),
  ...layer('src/workload/**/*.ts', ['**/platform/**', '**/runner/**', '**/report/**', '**/cli/**'], 'load drivers know no platform or runner'),
  ...layer('src/security/**/*.ts', ['**/platform/**', '**/runner/**', '**/report/**', '**/cli/**'], 'security probes are a client like the load drivers: no platform or runner'),
  ...layer('src/platform/**/*.ts', ['**/workload/**', '**/runner/**', '**/report/**', '**/cli/**'], 'platforms know no driver or runner'),
  ...layer('src/report/**/*.ts', ['**/platform/**', '**/workload/**', '**/runner/**', '**/cli/**', '@zilliz/*'], 'reporters render a report; they run nothing'),
  ...layer('src/runner/**/*.ts', ['**/cli/**'], 'the runner is called by the CLI, not the reverse'),
);
