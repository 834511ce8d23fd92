// Lint rules. The one architectural rule: only the Electron shell
// (src-main/shell/) may import `electron`; the core must run under plain Node.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronBan = {
  'no-restricted-imports': ['error', {
    paths: [{ name: 'electron', message: 'Only src-main/shell/ may import electron: the core runs under plain Node.' }],
    patterns: [{ group: ['electron/*'], message: 'Only src-main/shell/ may import electron.' }],
  }],
};

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.testbed/**', 'test-artifacts/**', 'src-renderer/dist/**', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  { files: ['src-main/**/*.ts', 'test/**/*.ts', 'src-renderer/**/*.ts'], rules: electronBan },
  { files: ['src-main/shell/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['src-renderer/**/*.ts'], languageOptions: { globals: { ...globals.browser } } },
);
