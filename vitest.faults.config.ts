import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): crashes, outages, replicas, disorder, hostile input and lost
// callbacks. Its files end in .fault.ts so that `npm test` leaves them out; they need PostgreSQL
// (TEST_DATABASE_URL) and the built command, and take minutes rather than seconds.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Each scenario starts servers and load of its own; side by side on two cores they would time each
    // other out rather than find faults.
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});
