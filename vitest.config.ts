import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup-fast-check.ts'],
    // Every answer of every server the suite starts is checked against its response schema (response-serializer.ts);
    // servers spawned as child processes inherit it.
    env: { CROSSMARGIN_CHECK_RESPONSES: '1' },
  },
});
