// Lint of the product's code: typescript-eslint's strict, type-checked rules (a forgotten await or an
// `any` is a bug here) and eslint-plugin-svelte for the screens.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'frontend/public/**', 'tests/**', '**/*.config.ts', 'eslint.config.js'] },
  ...tseslint.configs.strictTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `() => void x()` and `(v) => set(v)` in callbacks say what they do.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidOperator: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Numbers and booleans in template strings are intended (messages, SQL placeholders, keys).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // With noUncheckedIndexedAccess every index may be undefined to the compiler; `!` marks an index a
      // loop bound or a check just above has proved, which the strict preset would make us restate.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Route handlers and hooks are async by contract; one without an await is harmless, and a promise
      // that is never awaited is what no-floating-promises catches.
      '@typescript-eslint/require-await': 'off',
      // `_name` marks a value taken apart on purpose (e.g. a password left out of a row).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: {
      // With runes, reading state inside an $effect subscribes the effect to it: `void gym.synced;` is how a
      // screen asks to run again after every reconnect, a read that does something. The rule takes any `void`
      // of a non-call for dead code and has no option to tell these apart, so it stays on outside Svelte only.
      '@typescript-eslint/no-meaningless-void-operator': 'off',
    },
  },
);
