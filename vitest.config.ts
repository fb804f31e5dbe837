import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/{unit,api,realtime,browser,reliability}/**/*.test.ts'],
    exclude: ['tests/reliability/**/*.long.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A screen or a socket answers within seconds on a busy CI machine; expect.poll's own default is 1 s.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
