/**
 * One part of `npm run bench`. Each section measures one subsystem against its baselines in the
 * same run, and returns figures for `bench/results/latest.json` and the markdown report.
 */
export interface BenchOptions {
  /** `npm run bench -- --quick`: smaller sizes, the whole run within a minute. */
  quick: boolean;
  /** Where the report and its SVG charts are written. */
  resultsDir: string;
}

export interface BenchResult {
  /** Merged into latest.json at the top level (e.g. `{ updateTime: [...] }`). */
  json: Record<string, unknown>;
  /** Printed to the terminal as a table: first row is the header. */
  table: string[][];
  /** A section of the markdown report (may reference SVG files written to resultsDir). */
  markdown: string;
}

export interface BenchSection {
  name: string;
  run(options: BenchOptions): Promise<BenchResult>;
}

/** A section's terminal table as a markdown table (its first row is the header). */
export function markdownTable(table: string[][]): string[] {
  const [header = [], ...rows] = table;
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}
