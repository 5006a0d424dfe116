/**
 * `node dist/bench/guardrail-summary.js`: the guardrail section's table from the per-seed figures
 * a run has written so far (bench/results/guardrail-seeds.jsonl), so a long run can be read early.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { sourceBenchDir } from "./baselines";
import { summarise, summaryTable } from "./guardrail";
import { formatTable } from "./run";

const file = path.join(sourceBenchDir(), "results", "guardrail-seeds.jsonl");
const perStream: Record<string, Parameters<typeof summarise>[0][string]> = {};
let seeds = 0;
for (const line of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
  const { name, seed, figures } = JSON.parse(line) as { name: string; seed: number; figures: never };
  perStream[name] ??= [];
  (perStream[name] as unknown[]).push(figures);
  seeds = Math.max(seeds, seed);
}
console.log(formatTable(summaryTable(summarise(perStream), seeds)));
