/**
 * Benchmark section "mining": how well and how fast routines are mined from Home Assistant's
 * logbook, on generated homes whose routines are known (planted) beside confounders that must not
 * become suggestions, against the two suggesters users have today, reimplemented from their
 * published descriptions (mining/baselines.ts). How a suggestion is matched to a planted routine:
 * mining/scoring.ts. The figures over homes: mining/quality.ts; the timing: mining/speed.ts and
 * mining/speed-run.ts; the tables: mining/report.ts.
 */
import { mineRoutines } from "../src/mining/miner";
import type { Routine } from "../src/mining/routine";
import { type GeneratedHome, generateHome } from "../src/testing/simulation/home-history";
import { danm72Suggestions, homeIqSuggestions } from "./mining/baselines";
import { registryOf } from "./mining/home";
import {
  evaluate,
  type HomeCase,
  type Method,
  type MethodSummary,
  missedRoutines,
  unmatchedSuggestions,
} from "./mining/quality";
import { NAMES, perHomeRows, round, setRows, speedRows, targetLines } from "./mining/report";
import { scoreHome, type Suggestion } from "./mining/scoring";
import { measureSpeed } from "./mining/speed-run";
import { markdownTable, type BenchOptions, type BenchResult, type BenchSection } from "./section";

/** The end of every generated past: fixed, so a seed gives the same home on every run. */
const NOW = new Date("2026-11-30T04:00:00Z");
/** A home "run by wall switches": most actions at the switch, where Danm72's sees nothing. */
const WALL_SWITCH_SHARE = 0.9;

/** Our miner's routines in the scoring's shape. */
export function routineSuggestions(routines: readonly Routine[]): Suggestion[] {
  const share = (r: Routine) => `${r.days}/${r.eligibleDays} days, confidence ${round(r.confidence, 2)}`;
  return routines.map((r) =>
    r.kind === "time_of_day"
      ? {
          kind: "time_of_day",
          change: r.change,
          minute: r.minute,
          detail: `${r.dayClass}, spread ${round(r.spreadMinutes)} min, ${share(r)}`,
        }
      : {
          kind: "sequence",
          trigger: r.trigger,
          action: r.action,
          detail: `delay ${round(r.delaySeconds)} s ± ${round(r.delaySpreadSeconds)}, support ${round(r.support, 2)}, lift ${round(r.lift, 1)}, ${share(r)}`,
        },
  );
}

const homes = new Map<string, GeneratedHome>();

function homeCase(label: string, seed: number, wallSwitchShare?: number): HomeCase {
  const home = generateHome({ seed, now: NOW, ...(wallSwitchShare === undefined ? {} : { wallSwitchShare }) });
  homes.set(label, home);
  return {
    label,
    seed,
    wallSwitchShare: wallSwitchShare ?? 0.5,
    logbook: home.logbook,
    planted: home.planted,
    confounders: home.confounders,
    timeZone: home.timeZone,
  };
}

const METHODS: Method[] = [
  {
    name: NAMES[0],
    suggest: (h) => routineSuggestions(mineRoutines(h.logbook, registryOf(homes.get(h.label)!), {}, NOW).routines),
  },
  { name: NAMES[1], suggest: (h) => homeIqSuggestions(h.logbook, h.timeZone) },
  { name: NAMES[2], suggest: (h) => danm72Suggestions(h.logbook, h.timeZone) },
];
export const miningSection: BenchSection = {
  name: "mining",
  async run(options: BenchOptions): Promise<BenchResult> {
    homes.clear();
    const seeds = options.quick ? [1, 2, 3] : Array.from({ length: 10 }, (_, i) => i + 1);
    const wallSeeds = options.quick ? [101] : [101, 102, 103];
    const runs = evaluate(
      seeds.map((s) => homeCase(`seed ${s}`, s)),
      METHODS,
    );
    const wallRuns = evaluate(
      wallSeeds.map((s) => homeCase(`wall ${s}`, s, WALL_SWITCH_SHARE)),
      METHODS,
    );
    const main = setRows(`${runs.length} homes`, runs);
    const wall = setRows(`${wallRuns.length} wall-switch homes`, wallRuns);
    const cpu = Object.fromEntries(
      NAMES.map((n) => [n, (main.json.methods as Record<string, MethodSummary>)[n]!.cpuMs.median]),
    );
    const speedHome = homes.get("seed 1")!;
    const speed = await measureSpeed(speedHome, 1, NOW, options.quick ? 3 : 7, options.quick ? 1 : 3);
    const through = speed.backfill
      ? scoreHome(routineSuggestions(speed.backfill.routines), speedHome.planted, speedHome.confounders)
      : undefined;
    const header = ["figure", ...NAMES, "target"];
    const table = [
      header,
      ...main.rows,
      ...wall.rows,
      ...speedRows(speed, cpu, through),
      ...perHomeRows([...runs, ...wallRuns]),
    ];

    const targets = targetLines(runs, wallRuns, speed);
    const misses = [...runs, ...wallRuns].flatMap((r) => missedRoutines(r, "ours"));
    const wrong = [...runs, ...wallRuns].flatMap((r) => unmatchedSuggestions(r, "ours"));
    const list = (items: string[], cap = 40) =>
      items.length === 0
        ? ["- none"]
        : [
            ...items.slice(0, cap).map((i) => `- ${i}`),
            ...(items.length > cap ? [`- … and ${items.length - cap} more`] : []),
          ];
    const markdown = [
      "## Mining routines from the logbook",
      "",
      `${runs.length} generated homes (seeds ${seeds.join(", ")}; 28 days, about 150 entities, half the actions at a wall switch) and ${wallRuns.length} wall-switch homes (seeds ${wallSeeds.join(", ")}, ${WALL_SWITCH_SHARE * 100} % at a wall switch), each with planted routines (time of day, and one thing after another) and confounders that must not be suggested (automations, a script, an app acting as the Supervisor user, sensor chatter, one-off actions, a routine that stopped). Three methods on the same logbooks: ours (\`mineRoutines\`), and two suggesters users have today, reimplemented from their published descriptions (\`bench/mining/baselines.ts\`): HomeIQ's (KMeans on the time of day of every state change, automation-caused ones included, no midnight handling, its 0.7 confidence filter; unordered pairs of changes within 5 minutes) and Danm72's (actions with a user id only, the busiest 30-minute bucket per entity and action, 30 % consistency).`,
      "",
      "**Matching.** A time-of-day suggestion matches a planted routine with the same entity and target state within 30 minutes on the 24-hour circle (23:50 and 00:10 are 20 minutes apart); a sequence matches when its trigger and action (entity and state) are the planted ones; HomeIQ's unordered pairs match the same two entity + states in either order. Suggestions and planted routines are paired one to one (a maximum matching). Recall = planted routines found / planted; precision = suggestions paired with a planted routine / all suggestions (undefined, shown –, for a method that suggests nothing); a second suggestion for a routine already found is a duplicate (not precise, counted apart); a suggestion that matches nothing and touches a confounder's entity is a leak of that kind. Ours is *ahead* of a baseline on a home when its F1 (recall and precision together) is higher.",
      "",
      ...markdownTable(table),
      "",
      "**The issue's targets for our miner:**",
      "",
      ...targets.map((t) => `- ${t.met ? "met" : "**missed**"}: ${t.text}`),
      "",
      "CPU times are `process.cpuUsage` (user + system) of this process, not wall time; compare the ratios within one run.",
      "The simulator serves the home from a child process behind a proxy that records the reader's requests, so its own work is not on the measured event loop. Node-RED's lag is measured (monitorEventLoopDelay, 1 ms resolution) from the end of the deploy to the pattern-detect node's first output: connecting, reading 28 days a day at a time, mining in the worker; the idle line is the machine's own share.",
      "",
      "### Planted routines our miner missed",
      "",
      ...list(misses),
      "",
      "### Our suggestions that match no planted routine (duplicates not included)",
      "",
      ...list(wrong),
      "",
    ].join("\n");
    return {
      json: {
        mining: {
          now: NOW.toISOString(),
          homes: main.json,
          wallSwitchHomes: wall.json,
          speed: {
            ...speed,
            backfill: speed.backfill && { ...speed.backfill, routines: speed.backfill.routines.length },
          },
          targets,
          throughSimulator: through && { recall: through.recall, precision: through.precision, found: through.found },
        },
      },
      table,
      markdown,
    };
  },
};
