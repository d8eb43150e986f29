import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["packages/server/test/global-setup.ts", "packages/web/test/global-setup.ts"],
    pool: "forks",
    // Two cores: three workers keep both busy while some wait on PostgreSQL.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
