// ESLint for the SPA: Vue's and TypeScript's recommended rules and the accessibility rules of
// vuejs-accessibility. `npm run lint`; `make lint` and `make test` run it. Formatting is not
// linted here (vue-tsc checks types, the code keeps its own 120-column layout).
import pluginVue from 'eslint-plugin-vue'
import vueA11y from 'eslint-plugin-vuejs-accessibility'
import { vueTsConfigs, withVueTs } from '@vue/eslint-config-typescript'
import globals from 'globals'

export default withVueTs(
  {
    name: 'huiyin/ignores',
    // Generated files (the API schema, unplugin's declarations) and build output.
    ignores: [
      'dist/**',
      'test-output/**',
      'coverage/**',
      'src/api/schema.d.ts',
      'src/components.d.ts',
      'src/auto-imports.d.ts',
    ],
  },
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommended,
  vueA11y.configs['flat/recommended'],
  {
    name: 'huiyin/globals',
    languageOptions: {
      globals: {
        ...globals.browser,
        // ElMessage, ElMessageBox … come from unplugin-auto-import (src/auto-imports.d.ts).
        ElMessage: 'readonly',
        ElMessageBox: 'readonly',
        ElNotification: 'readonly',
        ElLoading: 'readonly',
      },
    },
  },
  {
    name: 'huiyin/node',
    files: ['e2e/**', 'scripts/**', '*.config.{js,ts}', 'vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'huiyin/tests',
    files: ['tests/**', 'e2e/**'],
    // Tests define small host components inline, next to the case that mounts them.
    rules: { 'vue/one-component-per-file': 'off' },
  },
  {
    name: 'huiyin/rules',
    rules: {
      // Layout rules of flat/recommended: the templates keep short elements on one line
      // (120 columns) rather than one attribute per line.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      // <input /> and <input> alike (the templates write void elements both ways).
      'vue/html-self-closing': ['error', { html: { void: 'any', normal: 'always', component: 'always' } }],
      // Unused values named with a leading underscore are deliberate (destructuring to drop a key).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
)
