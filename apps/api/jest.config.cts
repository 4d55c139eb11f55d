module.exports = {
  displayName: 'api',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      {
        tsconfig: '<rootDir>/tsconfig.spec.json',
        // The same DTO introspection as the webpack build, so the OpenAPI document is the same in tests.
        astTransformers: {
          before: ['<rootDir>/test/swagger-transformer.cjs'],
        },
      },
    ],
  },
  // openid-client is an ES module only, which Jest's module system does not require (see the file).
  moduleNameMapper: { '^openid-client$': '<rootDir>/test/openid-client.cjs' },
  moduleFileExtensions: ['ts', 'js', 'html'],
  // The specs of the built API as OS processes run with `nx e2e api` (jest.processes.config.cts).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/processes/'],
  coverageDirectory: '../../coverage/apps/api',
  testTimeout: 60000,
};
