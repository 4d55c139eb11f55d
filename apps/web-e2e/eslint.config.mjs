import baseConfig from '../../eslint.config.mjs';

export default [
  ...baseConfig,
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        document: 'readonly',
        window: 'readonly',
        MutationObserver: 'readonly',
        localStorage: 'readonly',
        Intl: 'readonly',
        URL: 'readonly',
      },
    },
  },
];
