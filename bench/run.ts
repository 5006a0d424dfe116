/**
 * `npm run bench [-- --quick] [-- --section NAME]`: runs the benchmark sections below, prints a
 * table per section, and writes `bench/results/latest.json` and `bench/results/report.md`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import path from "node:path";
import { guardrailSection } from "./guardrail";
import { haSection } from "./ha";
import { learningSection } from "./learning";
import { loopSection } from "./loop";
import { nodesSection } from "./nodes";
import type { BenchResult, BenchSection } from "./section";
import { storeSection } from "./store";

/**
 * The sections, in the order they run and appear in the report.
 * To add one: write a BenchSection (see section.ts) and append it here.
 */
export const SECTIONS: BenchSection[] = [
  learningSection,
  guardrailSection,
  haSection,
  storeSection,
  nodesSection,
  loopSection,
];

interface Flags {
  quick: boolean;
  sections: string[];
  help: boolean;
}

const USAGE = `usage: npm run bench [-- --quick] [-- --section NAME ...]
  --quick         smaller sizes, the whole run within about a minute
  --section NAME  run only this section (repeatable); others keep their last results
sections: ${SECTIONS.map((s) => s.name).join(", ")}`;

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { quick: false, sections: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--quick") flags.quick = true;
    else if (arg === "--help" || arg === "-h") flags.help = true;
    else if (arg === "--section" && argv[i + 1] !== undefined) flags.sections.push(argv[++i] as string);
    else if (arg.startsWith("--section=")) flags.sections.push(arg.slice("--section=".length));
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  return flags;
}

/** Left-aligned text table; the first row is the header. */
export function formatTable(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] as number))
      .join("  ")
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}

function machine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const unknown = flags.sections.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(", ")}\n${USAGE}`);
  const chosen = flags.sections.length === 0 ? SECTIONS : SECTIONS.filter((s) => flags.sections.includes(s.name));

  // Results live in the source tree (bench/results), also when run from dist/bench.
  const root = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? "../.." : "..");
  const resultsDir = path.join(root, "bench", "results");
  const sectionsDir = path.join(resultsDir, "sections");
  mkdirSync(sectionsDir, { recursive: true });
  const latestPath = path.join(resultsDir, "latest.json");

  // With --section, the other sections keep their last figures.
  const previous: Record<string, unknown> =
    flags.sections.length > 0 && existsSync(latestPath)
      ? (JSON.parse(readFileSync(latestPath, "utf8")) as Record<string, unknown>)
      : {};
  const sectionRuns = { ...((previous.sectionRuns as Record<string, unknown>) ?? {}) };
  const latest: Record<string, unknown> = { ...previous };
  const errors: Record<string, string> = {};

  console.log(`benchmark${flags.quick ? " (--quick)" : ""}: ${chosen.map((s) => s.name).join(", ")}`);
  for (const section of chosen) {
    const started = Date.now();
    console.log(`\n== ${section.name} ==`);
    let result: BenchResult;
    try {
      result = await section.run({ quick: flags.quick, resultsDir });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      errors[section.name] = message;
      console.error(`section ${section.name} failed: ${message}`);
      continue;
    }
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    Object.assign(latest, result.json);
    sectionRuns[section.name] = { date: new Date().toISOString(), quick: flags.quick, seconds };
    writeFileSync(path.join(sectionsDir, `${section.name}.md`), result.markdown);
    console.log(formatTable(result.table));
    console.log(`(${seconds} s)`);
  }

  Object.assign(latest, { date: new Date().toISOString(), quick: flags.quick, machine: machine(), sectionRuns });
  if (Object.keys(errors).length > 0) latest.errors = errors;
  else delete latest.errors;
  writeFileSync(latestPath, `${JSON.stringify(latest, null, 2)}\n`);

  const report = [
    "# Benchmark report",
    "",
    `Generated ${latest.date as string} by \`npm run bench${flags.quick ? " -- --quick" : ""}\` on ${describeMachine(latest.machine as Record<string, unknown>)}.`,
    "Figures are wall-clock on that machine; compare ratios within one run. Raw figures: `latest.json`.",
    "",
  ];
  for (const section of SECTIONS) {
    const file = path.join(sectionsDir, `${section.name}.md`);
    if (!existsSync(file)) continue;
    const run = sectionRuns[section.name] as { date: string; quick: boolean } | undefined;
    report.push(
      `<!-- section ${section.name}: ${run ? `${run.date}${run.quick ? ", --quick" : ""}` : "unknown run"} -->`,
    );
    report.push(readFileSync(file, "utf8").trimEnd(), "");
  }
  writeFileSync(path.join(resultsDir, "report.md"), `${report.join("\n")}\n`);
  console.log(
    `\nwrote ${path.relative(process.cwd(), latestPath)} and ${path.relative(process.cwd(), path.join(resultsDir, "report.md"))}`,
  );
  return Object.keys(errors).length > 0 ? 1 : 0;
}

function describeMachine(m: Record<string, unknown>): string {
  return `${m.cpu as string} × ${m.cores as number}, ${m.memoryGB as number} GB, Node ${m.node as string}, load ${(m.loadAverage as number[]).join("/")}`;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
      // A section that leaves a handle open (a socket, a worker) must not keep the run alive.
      setTimeout(() => process.exit(), 2000).unref();
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 2;
    },
  );
}
