/**
 * The specs that run the built API (`dist/apps/api/main.js`) as separate OS
 * processes: `npx nx e2e api` (builds it first). Not part of `nx test api`.
 * Same preset and transform as `nx test api` (jest.config.cts), other specs.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'api-processes',
  testMatch: ['<rootDir>/test/processes/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Each test starts and stops whole API processes, which on a busy machine
  // take tens of seconds each; a test's own waits say what it expects.
  testTimeout: 180_000,
};
