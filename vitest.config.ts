import { defineConfig } from 'vitest/config';

// Three projects:
// - `unit`: fast, needs nothing.
// - `integration`: the real Keycloak on the local target, brought up once by
//   the global setup; one file at a time because they share that lab.
// - `kind`: the kind orchestration against the fake docker/kind/helm/kubectl
//   toolchain; needs no Keycloak, so `vitest run --project kind` boots none.
//   One file at a time because each fake lab binds host ports.
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
          exclude: ['test/integration/kind-*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'kind',
          include: ['test/integration/kind-*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
