import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['**/*.ts'],
    rules: {
      // Configuration is read once in src/config; nothing else reads process.env.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through src/config only.' },
      ],
    },
  },
  {
    // Below the controllers nothing touches HTTP: services return values and
    // event streams; controllers, guards, responders and filters write answers.
    files: ['src/**/*.service.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', '@fastify/*', 'express', '@nestjs/platform-*'],
              message: 'Services never touch HTTP: return a value or an event stream to the controller.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/config/**/*.ts', '**/*.spec.ts', 'test/**/*.ts', '*.ts', '*.cts'],
    rules: { 'no-restricted-properties': 'off' },
  },
];
