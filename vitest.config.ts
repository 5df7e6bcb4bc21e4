import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup-fast-check.ts'],
  },
});
