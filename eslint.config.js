import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '*.config.js',
      'eslint.config.js',
      'test/support/*.js',
      'apps/web/dist/',
      'apps/web/src/api/schema.d.ts',
      'test-results/',
      'playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/libs/*', '../../libs/**', '@app/*/src/**'],
              message: 'Import libraries through their @app/<lib> entry point only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/{bpmn,engine,feel,time}/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'bullmq', 'ioredis', 'pg', 'node:fs', 'fs'],
              message: 'The compiler and the engine core are pure: no Nest, no I/O.',
            },
            {
              group: ['**/libs/*', '../../libs/**', '@app/*/src/**'],
              message: 'Import libraries through their @app/<lib> entry point only.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'The engine core never reads the clock: take `now` as input.' },
      ],
    },
  },
  {
    // Specs and their helpers may read fixtures from disk.
    files: ['libs/**/*.spec.ts', 'libs/*/src/testing/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The web app (apps/web/tsconfig.json: DOM, React's JSX) runs in the browser: no Node
    // built-ins in its sources; its Vite config runs in Node.
    files: ['apps/web/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', '@app/*', '**/libs/**', '**/apps/api/**'],
              message: 'The web app runs in the browser: it talks to the api over HTTP only.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
