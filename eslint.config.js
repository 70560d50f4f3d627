import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // Pure folders never touch processes, sockets, the SDK or Kubernetes.
    files: ['src/{core,scenario,plan,history,checks,slo}/**/*.ts', 'src/dataset/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:child_process', 'node:net', 'node:http', 'node:https', 'node:dgram', 'child_process', 'net', 'http', 'https'], message: 'pure folder: no process or network code' },
            { group: ['@zilliz/*', '**/platform/**', '**/workload/**', '**/runner/**', '**/report/**'], message: 'pure folder: adapters meet only in the runner' },
          ],
        },
      ],
    },
  },
);
