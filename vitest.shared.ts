import path from "node:path";
import { defineConfig } from "vitest/config";

/**
 * The test settings every workspace shares. Tests run in forked processes against real
 * PostgreSQL and Kafka (never mocks), so timeouts allow for a database per file and a consumer
 * group join. With BTT_TEST_RESULTS set (npm test), a JSON report per workspace lands there and
 * the runner prints the totals.
 */
export function workspaceTestConfig(workspace: string) {
  const resultsDir = process.env.BTT_TEST_RESULTS;
  return defineConfig({
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: "forks",
      reporters: resultsDir ? ["default", "json"] : ["default"],
      ...(resultsDir ? { outputFile: { json: path.join(resultsDir, `${workspace}.json`) } } : {}),
    },
  });
}
