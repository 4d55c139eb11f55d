/**
 * The specs that run the built API (`dist/apps/api/main.js`) as separate OS
 * processes: `npx nx e2e api` (builds it first). Not part of `nx test api`.
 */
module.exports = {
  displayName: 'api-processes',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      {
        tsconfig: '<rootDir>/tsconfig.spec.json',
        astTransformers: {
          before: ['<rootDir>/test/swagger-transformer.cjs'],
        },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['<rootDir>/test/processes/**/*.spec.ts'],
  testTimeout: 60000,
};
