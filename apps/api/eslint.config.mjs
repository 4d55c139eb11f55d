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
    files: ['src/config/**/*.ts', '**/*.spec.ts', 'test/**/*.ts', '*.ts', '*.cts'],
    rules: { 'no-restricted-properties': 'off' },
  },
];
