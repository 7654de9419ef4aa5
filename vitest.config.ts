import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "~": path.resolve(__dirname, "app") } },
  test: {
    globals: true,
    environment: "node",
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx", "app/**/*.test.ts"],
    exclude: ["tests/faults/**", "tests/e2e/**", "node_modules/**"],
    globalSetup: ["tests/global-setup.ts"],
    env: { SESSION_SECRET: "test-session-secret-not-for-production", AUDIT_KEY: "test-audit-key-not-for-production", NODE_ENV: "test" },
    pool: "forks",
    testTimeout: 30000,
    // A demo load in a beforeAll seals every row it writes (docs/decisions/022-audit-seals.md): slower on a busy machine.
    hookTimeout: 120000,
  },
});
