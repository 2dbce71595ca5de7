// Lint rules, including the import direction of the architecture:
// shared <- everything; cli -> compose, watch, engine/client; compose -> engine/api; engine never imports
// compose, watch or cli; engine/runtime imports no sibling subsystem; only the `engine run` command
// imports engine/server (everything else starts it as a process).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }],
});

const notCli = ['**/cli/**', 'Only src/cli may import the CLI.'];
const notWatch = ['**/watch/**', 'Only the CLI may import watch.'];
const notCompose = ['**/compose/**', 'The engine never imports compose.'];
const notServer = ['**/engine/server/**', 'The engine server runs as its own process; use engine/client.'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test/corpus/**/*.yaml'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['src/cli/**', 'scripts/**', 'bench/**', 'test/**'], rules: { 'no-console': 'off' } },
  {
    files: ['src/shared/**'],
    rules: restrict([
      ['**/cli/**', '**/compose/**', '**/watch/**', '**/engine/**'],
      'shared is a leaf: it imports nothing of ours.',
    ]),
  },
  {
    files: ['src/compose/**'],
    rules: restrict(
      [[notCli[0]], notCli[1]],
      [[notWatch[0]], notWatch[1]],
      [
        ['**/engine/*/**', '!**/engine/api/**'],
        'compose talks to the engine only through engine/api types; the client is injected.',
      ],
    ),
  },
  {
    files: ['src/watch/**'],
    rules: restrict(
      [[notCli[0]], notCli[1]],
      [['**/engine/*/**', '!**/engine/api/**'], 'watch uses compose/api and engine/api types only.'],
    ),
  },
  {
    files: ['src/engine/**'],
    rules: restrict([[notCli[0]], notCli[1]], [[notWatch[0]], notWatch[1]], [[notCompose[0]], notCompose[1]]),
  },
  {
    files: ['src/engine/**'],
    ignores: ['src/engine/server/**'],
    rules: restrict(
      [[notCli[0]], notCli[1]],
      [[notWatch[0]], notWatch[1]],
      [[notCompose[0]], notCompose[1]],
      [[notServer[0]], notServer[1]],
    ),
  },
  {
    files: ['src/engine/runtime/**'],
    rules: restrict(
      [[notCompose[0]], notCompose[1]],
      [
        [
          'image',
          'snapshot',
          'store',
          'network',
          'volume',
          'container',
          'build',
          'server',
          'client',
          'events',
        ].flatMap((sibling) => [`**/engine/${sibling}/**`, `../${sibling}/**`]),
        'runtime imports no sibling subsystem: mounts and netns paths arrive as data.',
      ],
    ),
  },
  {
    files: ['src/cli/**'],
    ignores: ['src/cli/commands/engine-run.ts'],
    rules: restrict([
      ['**/engine/*/**', '!**/engine/api/**', '!**/engine/client/**'],
      'the CLI reaches the engine through engine/client only.',
    ]),
  },
);
