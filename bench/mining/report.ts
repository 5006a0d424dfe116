/**
 * The mining section's tables: the figures of a set of homes, one line per home, the speed
 * figures, and the issue's targets for our miner met or missed (with by how much).
 */
import { ahead, type HomeRun, type MethodSummary, summarize } from "./quality";
import type { HomeScore } from "./scoring";
import type { SpeedFigures } from "./speed-run";

/** The methods' names, ours first: the columns of every table. */
export const NAMES = ["ours", "HomeIQ", "Danm72"] as const;

const pct = (x: number): string => (Number.isNaN(x) ? "–" : `${Math.round(x * 1000) / 10} %`);
const mw = (s: { median: number; worst: number }): string => `${pct(s.median)} / ${pct(s.worst)}`;
export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function leakKinds(summaries: MethodSummary[], homesRun: readonly HomeRun[]): string[] {
  const kinds = new Set<string>();
  for (const run of homesRun) for (const c of run.home.confounders) kinds.add(c.kind);
  for (const s of summaries) for (const k of Object.keys(s.leaks)) kinds.add(k);
  return [...kinds].sort();
}

/** The rows of one set of homes: recall, precision, duplicates, leaks, homes where ours is ahead. */
export function setRows(title: string, runs: readonly HomeRun[]): { rows: string[][]; json: Record<string, unknown> } {
  const summaries = NAMES.map((n) => summarize(runs, n));
  const aheadOfBoth = runs.filter((r) => ahead(r.runs.ours!, r.runs.HomeIQ!) && ahead(r.runs.ours!, r.runs.Danm72!));
  const rows: string[][] = [
    [`${title}: recall median / worst`, ...summaries.map((s) => mw(s.recall)), "≥ 95 % (median)"],
    [
      `${title}: precision median / worst`,
      ...summaries.map(
        (s) =>
          `${mw(s.precision)}${s.homesWithoutSuggestions > 0 ? ` (${s.homesWithoutSuggestions} homes: none)` : ""}`,
      ),
      "≥ 90 % (median)",
    ],
    [`${title}: found / planted`, ...summaries.map((s) => `${s.found} / ${s.planted}`), ""],
    [`${title}: suggestions (matching nothing)`, ...summaries.map((s) => `${s.suggestions} (${s.unmatched})`), ""],
    [
      `${title}: missed, time of day / sequence`,
      ...summaries.map((s) => `${s.missed.time_of_day ?? 0} / ${s.missed.sequence ?? 0}`),
      "",
    ],
    [`${title}: duplicates`, ...summaries.map((s) => String(s.duplicates)), "0"],
  ];
  for (const kind of leakKinds(summaries, runs)) {
    const target = ["automation", "script", "supervisor"].includes(kind) ? "0" : "";
    rows.push([`${title}: leaks, ${kind}`, ...summaries.map((s) => String(s.leaks[kind] ?? 0)), target]);
  }
  rows.push([
    `${title}: homes where ours is ahead of both (F1)`,
    `${aheadOfBoth.length} / ${runs.length}`,
    "",
    "",
    "all",
  ]);
  const json = {
    homes: runs.length,
    methods: Object.fromEntries(
      summaries.map((s, i) => [NAMES[i], { ...s, recall: s.recall, precision: s.precision }]),
    ),
    aheadOfBoth: aheadOfBoth.length,
    perHome: runs.map((r) => ({
      label: r.home.label,
      seed: r.home.seed,
      wallSwitchShare: r.home.wallSwitchShare,
      entries: r.home.logbook.length,
      planted: r.home.planted.length,
      aheadOfBoth: ahead(r.runs.ours!, r.runs.HomeIQ!) && ahead(r.runs.ours!, r.runs.Danm72!),
      ...Object.fromEntries(
        NAMES.map((n) => {
          const { suggestionsMade: _made, ...score } = r.runs[n]!;
          return [n, { ...score, cpuMs: round(score.cpuMs) }];
        }),
      ),
    })),
  };
  return { rows, json };
}

export function perHomeRows(runs: readonly HomeRun[]): string[][] {
  return runs.map((r) => [
    `${r.home.label} (${r.home.logbook.length.toLocaleString("en")} entries, ${r.home.planted.length} planted): recall / precision`,
    ...NAMES.map((n) => `${pct(r.runs[n]!.recall)} / ${pct(r.runs[n]!.precision)}`),
    ahead(r.runs.ours!, r.runs.HomeIQ!) && ahead(r.runs.ours!, r.runs.Danm72!)
      ? "ours ahead of both"
      : "ours NOT ahead of both",
  ]);
}

export function speedRows(
  speed: SpeedFigures,
  cpu: Record<string, number>,
  through: HomeScore | undefined,
): string[][] {
  const rows: string[][] = [
    [
      `CPU to mine ${speed.days} days of a ${speed.entities}-entity home (${speed.entries.toLocaleString("en")} entries), median of ${speed.runs}`,
      `${round(speed.cpuMs.median)} ms (${Math.round(speed.entriesPerSecond).toLocaleString("en")} entries/s)`,
      "",
      "",
      "≤ 1,000 ms",
    ],
    [
      "CPU per home, median (ratio to ours)",
      ...NAMES.map((n) => `${round(cpu[n]!)} ms (${round(cpu[n]! / cpu.ours!, 2)}×)`),
      "",
    ],
  ];
  const b = speed.backfill;
  if (b) {
    rows.push(
      [
        `reader backfill from the simulator: logbook/get_events calls, largest period asked`,
        `${b.calls} calls for ${b.daysRead} days, largest ${round(b.largestHours, 2)} h`,
        "",
        "",
        "≤ 24 h per call",
      ],
      [
        `reader backfill + mining in its worker (${b.entriesRead.toLocaleString("en")} entries): wall time; this process's event-loop lag p50 / p99 / max`,
        `${(b.wallMs / 1000).toFixed(1)} s (loop busy ${b.lag.busyMs} ms, load ${b.lag.load}); ${b.lag.p50} / ${b.lag.p99} / ${b.lag.max} ms`,
        "",
        "",
        "",
      ],
      [
        "the same process idle for 2 s just before (the machine's own share), p50 / p99 / max",
        `${b.idleLag.p50} / ${b.idleLag.p99} / ${b.idleLag.max} ms (load ${b.idleLag.load})`,
        "",
        "",
        "",
      ],
    );
    if (through) {
      rows.push([
        "the same home through the simulator and the reader: recall / precision",
        `${pct(through.recall)} / ${pct(through.precision)}`,
        "",
        "",
        "as mined directly",
      ]);
    }
  } else
    rows.push(["reader backfill from the simulator", `not measured: ${speed.backfillNote}`, "", "", "≤ 24 h per call"]);
  const lag = speed.nodeRedLag;
  if (lag) {
    rows.push([
      `event-loop lag in Node-RED while pattern-detect backfills and mines (${lag.runs} run${lag.runs === 1 ? "" : "s"} of ${(lag.ms / 1000).toFixed(1)} s), p50 / p99 (worst run's p99) / max`,
      `${lag.p50} / ${lag.p99} (${lag.p99Worst}) / ${lag.max} ms (loop busy ${lag.busyMs} ms; load ${lag.load.join(", ")})`,
      "",
      "",
      "p99 ≤ 10 ms",
    ]);
  } else {
    rows.push([
      "event-loop lag in Node-RED while mining",
      `not measured: ${speed.nodeRedLagNote}`,
      "",
      "",
      "p99 ≤ 10 ms",
    ]);
  }
  return rows;
}

/** Each of the issue's targets for our miner, met or not, with the figure and by how much it is missed. */
export function targetLines(
  runs: readonly HomeRun[],
  wallRuns: readonly HomeRun[],
  speed: SpeedFigures,
): { met: boolean; text: string }[] {
  const all = [...runs, ...wallRuns];
  const ours = summarize(runs, "ours");
  const everywhere = summarize(all, "ours");
  const lines: { met: boolean; text: string }[] = [];
  const by = (value: number, target: number) =>
    value >= target ? "" : `, ${round((target - value) * 100)} points short`;
  lines.push({
    met: ours.recall.median >= 0.95,
    text: `recall median ≥ 95 %: ${pct(ours.recall.median)} (worst ${pct(ours.recall.worst)})${by(ours.recall.median, 0.95)}`,
  });
  lines.push({
    met: ours.precision.median >= 0.9,
    text: `precision median ≥ 90 %: ${pct(ours.precision.median)} (worst ${pct(ours.precision.worst)})${by(ours.precision.median, 0.9)}`,
  });
  const systemLeaks = ["automation", "script", "supervisor"].map((k) => everywhere.leaks[k] ?? 0);
  lines.push({
    met: systemLeaks.every((n) => n === 0),
    text: `no suggestion on an automation's, a script's or the Supervisor user's entities, over all ${all.length} homes: ${systemLeaks[0]} / ${systemLeaks[1]} / ${systemLeaks[2]}`,
  });
  lines.push({ met: everywhere.duplicates === 0, text: `no duplicates: ${everywhere.duplicates}` });
  const behind = all.filter((r) => !(ahead(r.runs.ours!, r.runs.HomeIQ!) && ahead(r.runs.ours!, r.runs.Danm72!)));
  lines.push({
    met: behind.length === 0,
    text: `ahead of both baselines on every home (F1): ${all.length - behind.length} of ${all.length}${behind.length > 0 ? ` (not on ${behind.map((r) => r.home.label).join(", ")})` : ""}`,
  });
  lines.push({
    met: speed.cpuMs.median <= 1000,
    text: `28 days of a 150-entity home mined in ≤ 1 s of CPU: ${round(speed.cpuMs.median)} ms for ${speed.entries.toLocaleString("en")} entries`,
  });
  if (speed.backfill) {
    lines.push({
      met: speed.backfill.largestHours <= 24,
      text: `the backfill asks for at most a day at a time: ${speed.backfill.calls} calls, the longest ${round(speed.backfill.largestHours, 2)} h`,
    });
  }
  if (speed.nodeRedLag) {
    lines.push({
      met: speed.nodeRedLag.p99 <= 10,
      text: `event-loop lag p99 ≤ 10 ms in Node-RED while mining: ${speed.nodeRedLag.p99} ms (median of ${speed.nodeRedLag.runs} runs; worst ${speed.nodeRedLag.p99Worst} ms)`,
    });
  }
  return lines;
}
