import { defineConfig } from "vitest/config";
import path from "node:path";

/** `npm run test:faults`: the heavier fault tests (kill -9, 16 concurrent clients, read-only disk) against the real server. */
export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    globals: true,
    environment: "node",
    include: ["tests/faults/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    env: { SESSION_SECRET: "test-session-secret-not-for-production", AUDIT_KEY: "test-audit-key-not-for-production", NODE_ENV: "test" },
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
