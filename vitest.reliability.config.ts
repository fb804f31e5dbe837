import { defineConfig } from 'vitest/config';

/**
 * The long reliability suite (`npm run test:reliability`): real clusters, private PostgreSQL and Redis
 * servers that the tests kill and restart, and load in the tens of thousands of requests. One file at a
 * time: they measure the product under faults and must not share the two cores with each other.
 */
export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.long.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    // A screen or a socket answers within seconds on a busy CI machine; expect.poll's own default is 1 s.
    expect: { poll: { timeout: 10_000 } },
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    reporters: ['default'],
  },
});
