import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/drizzle/meta/**', 'charts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'no focused tests' },
        { selector: "CallExpression[callee.property.name='skip']", message: 'no skipped tests' },
      ],
    },
  },
  {
    // Events are appended only through the outbox's unit of work (packages/outbox
    // `createOutbox`), whose commits wake the relay: an append anywhere else would commit an
    // event the relay only finds on its next poll. The benchmark of the create statement
    // measures the statement alone.
    files: ['**/*.ts'],
    ignores: ['packages/db/**', 'packages/outbox/**', 'scripts/bench/create-cost.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@taskflow/db/event-append',
              message: 'append events through an Outbox (outbox.commit / outbox.createTasks)',
            },
          ],
        },
      ],
    },
  },
);
