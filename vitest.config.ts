import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Node-RED's test helper needs real module loading, which the vm pools do not give.
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: "v8",
      include: ["src/**/*.ts", "nodes/**/*.ts"],
      exclude: [
        // Test support files (e.g. test/nodes/) are not product code, whatever their folder name.
        "test/**",
        // Runs inside a worker thread, where the v8 coverage of the test process cannot reach;
        // its behaviour is covered by the learner's worker tests.
        "src/learning/training-worker.ts",
        // Likewise: it only wires messages to RoutineMiner, which the miner's tests run in-process.
        "src/mining/mining-worker.ts",
      ],
      reporter: ["text-summary", "text", "json-summary"],
      thresholds: { lines: 90, branches: 90, functions: 90, statements: 90 },
    },
  },
});
