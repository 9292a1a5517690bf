import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and needs nothing; `integration` runs the real
// Keycloak (local target) and the fake kind toolchain, one file at a time
// because they share ports and a Keycloak process.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
