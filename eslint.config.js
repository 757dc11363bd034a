// ESLint (flat config) with typescript-eslint, over the product (src/), its tools and the tests.
// The layer rule is dependency-cruiser's (.dependency-cruiser.cjs); formatting is Prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** fdwmig's state tables (src/state/schema.ts): SQL that names one belongs in src/state/. */
const STATE_TABLE = '(batches|migration|tables|foreign_keys|moved_batches)';
const STATE_SQL_MESSAGE = 'SQL naming a state table belongs in src/state/ (its one owner; docs/ARCHITECTURE.md)';

export default tseslint.config(
  {
    ignores: ['dist/', 'dist-tools/', 'node_modules/', 'coverage/', '.fdwmig-demo/', 'test/fixtures/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its error: on a migration tool, a write nobody checked.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'tools/**/*.ts'],
    rules: {
      // Prettier breaks code at 120; what it cannot break (a comment, a long message) stops here.
      'max-len': [
        'error',
        { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `TemplateElement[value.raw=/^\\.${STATE_TABLE}\\b/]`,
          message: STATE_SQL_MESSAGE,
        },
        {
          selector: `Literal[value=/\\b(FROM|INTO|UPDATE|JOIN|TABLE)\\s+\\S+\\.${STATE_TABLE}\\b/i]`,
          message: STATE_SQL_MESSAGE,
        },
      ],
    },
  },
  {
    files: ['src/state/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // The launcher and the config files: plain JavaScript on Node, outside the TypeScript project.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
      },
    },
  },
);
