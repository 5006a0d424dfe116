/**
 * The guardrail and learning under the benchmark protocol: every figure over SEEDS seeds, each
 * stream fed through the product with its defaults one feedback at a time (see product-run.ts),
 * reported as the median and the worst seed.
 *
 * Streams: the simulated household (a change of taste at 1,800), SEA (abrupt change at 30 %,
 * gradual from 60 % to 80 %), WDBC (stationary, shuffled per seed), Agrawal et al. 1993 (function
 * 1 → 2 at half-way) and the rotating hyperplane of Hulten et al. 2001 (continuous drift).
 * Scenarios: the clean stream; a poisoned batch (100 consecutive answers flipped, e.g. a phone
 * whose buttons are mapped the wrong way round) at 300, 600, 1,000 and 2,000 and 100 feedback
 * after the real change, on the household and SEA streams. The reference for prequential
 * accuracy is scikit-learn's random forest retrained in full every 50 feedback, test-then-train
 * on the same order (bench/sklearn_forest.py).
 */
import { appendFileSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Label } from "../src/feedback/feedback";
import { FeatureSchema } from "../src/features/schema";
import { TrainingHistory } from "../src/learning/history";
import { PatternLearner } from "../src/learning/learner";
import { Trainer } from "../src/learning/trainer";
import { agrawalStream } from "../src/testing/simulation/agrawal";
import { householdStream } from "../src/testing/simulation/household";
import { hyperplaneStream } from "../src/testing/simulation/hyperplane";
import { SeededRandom } from "../src/testing/simulation/random";
import { seaStream } from "../src/testing/simulation/sea";
import { loadWdbc, runPython, SKLEARN } from "./baselines";
import {
  accuracyOf,
  feedProduct,
  grownOnLive,
  liveAfterChange,
  type ProductRun,
  type ProtocolStream,
  recoveryAfter,
} from "./product-run";
import { type BenchOptions, type BenchResult, type BenchSection, markdownTable } from "./section";

export const guardrailSection: BenchSection = {
  name: "guardrail",
  run: runGuardrail,
};

const POISON = 100;
const AFTER_POISON = 500;
const POSITIONS = [300, 600, 1000, 2000];
/** Seeds scikit-learn runs on for the streams longer than WDBC (see sklearnFigures). */
const SKLEARN_SEEDS = 2;
/** Runs at once: the product's runs are mostly waiting on its training worker and the store. */
const PARALLEL = 2;

function streamsFor(seed: number, quick: boolean): ProtocolStream[] {
  const household = householdStream({ samples: 3000, seed, changeAt: 1800 });
  const sea = seaStream({ samples: quick ? 3000 : 6000, seed });
  const wdbc = loadWdbc();
  const order = new SeededRandom(seed).shuffle(wdbc.X.map((_, i) => i));
  const agrawal = agrawalStream({ samples: 4000, seed });
  const hyperplane = hyperplaneStream({ samples: 4000, seed });
  const abrupt = (changes: Array<{ at: number; kind: string }>) => changes.find((c) => c.kind === "abrupt")?.at ?? null;
  return [
    { name: "household", ...household, changeAt: abrupt(household.changes), stationary: false },
    { name: "sea", ...sea, changeAt: abrupt(sea.changes), stationary: false },
    {
      name: "wdbc",
      schema: new FeatureSchema(wdbc.names),
      X: order.map((i) => wdbc.X[i] as Float64Array),
      y: order.map((i) => wdbc.y[i] as Label),
      changeAt: null,
      stationary: true,
    },
    { name: "agrawal", ...agrawal, changeAt: abrupt(agrawal.changes), stationary: false },
    { name: "hyperplane", ...hyperplane, changeAt: null, stationary: false },
  ];
}

/** The figures of one stream on one seed. */
interface SeedFigures {
  accuracy: number;
  sklearn: number | null;
  activations: number;
  rejected: number;
  setAside: number;
  alerts: Record<string, number>;
  changeLive?: number | null;
  recovery?: number | null;
  /** Per poison position: whether a mostly-poisoned version went live, and the loss in points. */
  poison?: Record<string, { live: boolean; lossPoints: number }>;
}

async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

async function seedFigures(stream: ProtocolStream, seed: number, withPoison: boolean): Promise<SeedFigures> {
  const clean = await feedProduct(stream, stream.y, seed);
  const figures: SeedFigures = {
    accuracy: accuracyOf(clean.proba, stream.y),
    sklearn: null,
    activations: clean.activations.length,
    rejected: clean.rejected,
    setAside: clean.setAside,
    alerts: clean.alerts,
  };
  if (stream.changeAt !== null) {
    figures.changeLive = liveAfterChange(clean, stream.changeAt);
    figures.recovery = recoveryAfter(clean.proba, stream.y, stream.changeAt);
  }
  if (!withPoison) return figures;
  figures.poison = {};
  const positions = [...POSITIONS.map((p) => ({ name: String(p), at: p }))];
  if (stream.changeAt !== null) positions.push({ name: "change+100", at: stream.changeAt + 100 });
  for (const { name, at } of positions) {
    if (at + POISON + AFTER_POISON > stream.y.length) continue;
    const labels = stream.y.map((y, i) => (i >= at && i < at + POISON ? ((1 - y) as Label) : y));
    const run: ProductRun = await feedProduct(stream, labels, seed, at + POISON + AFTER_POISON);
    const from = at + POISON;
    const to = from + AFTER_POISON;
    figures.poison[name] = {
      // Feedback log seq n is the stream's row n - 1.
      live: grownOnLive(run, at + 1, at + POISON),
      lossPoints: 100 * (accuracyOf(clean.proba, stream.y, from, to) - accuracyOf(run.proba, stream.y, from, to)),
    };
  }
  return figures;
}

/** Heap and RSS of a 100-tree, depth-10 model alone and with a challenger (a second learner) beside it. */
async function memoryFigures(quick: boolean): Promise<Record<string, number>> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const sea = seaStream({ samples: quick ? 3000 : 6000, seed: 1 });
  const history = new TrainingHistory(sea.schema, sea.y.length);
  for (const [i, x] of sea.X.entries()) history.add(x, sea.y[i] as Label);
  const trainer = new Trainer();
  const settle = () => {
    gc();
    gc();
    return process.memoryUsage();
  };
  try {
    const base = settle();
    const forest = PatternLearner.create(sea.schema, { trees: 100, maxDepth: 10, seed: 1 });
    const one = (await trainer.full(forest, history)).model;
    // As in the product: every version is saved once (serializing keeps its encoded trees cached).
    one.toJSON();
    const withOne = settle();
    // A challenger is what an update returns: a learner of its own, saved as a version.
    const challenger = (await trainer.incremental(one, { fromSeq: history.endSeq - 100 }, history)).model;
    challenger.toJSON();
    const withTwo = settle();
    if (challenger.treeCount !== one.treeCount) throw new Error("the challenger has another number of trees");
    const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
    // The trees live in typed arrays, whose memory Node counts outside heapUsed (arrayBuffers).
    const held = (m: NodeJS.MemoryUsage) => m.heapUsed + m.arrayBuffers;
    const oneHeap = held(withOne) - held(base);
    const twoHeap = held(withTwo) - held(base);
    const figures = {
      trees: one.treeCount,
      modelHeapMB: mb(oneHeap),
      withChallengerHeapMB: mb(twoHeap),
      heapRatio: Math.round((twoHeap / oneHeap) * 100) / 100,
      modelRssMB: mb(withOne.rss - base.rss),
      withChallengerRssMB: mb(withTwo.rss - base.rss),
      processRssMB: mb(withTwo.rss),
    };
    return figures;
  } finally {
    await trainer.close();
  }
}

async function runGuardrail(options: BenchOptions): Promise<BenchResult> {
  const seeds = Array.from({ length: options.quick ? 3 : 10 }, (_, i) => i + 1);
  const names = streamsFor(1, options.quick).map((s) => s.name);
  const perStream: Record<string, SeedFigures[]> = Object.fromEntries(names.map((n) => [n, []]));
  const tasks: Array<() => Promise<void>> = [];
  for (const seed of seeds) {
    for (const name of names) {
      tasks.push(async () => {
        const stream = streamsFor(seed, options.quick).find((s) => s.name === name) as ProtocolStream;
        const figures = await seedFigures(stream, seed, name === "household" || name === "sea");
        (perStream[name] as SeedFigures[])[seed - 1] = figures;
        // Each seed's figures as they come, so a long run that is stopped still tells what it measured.
        appendFileSync(
          path.join(options.resultsDir, "guardrail-seeds.jsonl"),
          `${JSON.stringify({ name, seed, figures })}\n`,
        );
        process.stdout.write(` ${name}:${seed}`);
      });
    }
  }
  process.stdout.write("  product runs:");
  await pool(tasks, PARALLEL);
  process.stdout.write("\n  scikit-learn:");
  await sklearnFigures(perStream, seeds, options.quick);
  process.stdout.write("\n");
  const memory = await memoryFigures(options.quick);
  const summary = summarise(perStream);
  const table = summaryTable(summary, seeds.length);
  const markdown = [
    "## Guardrail and learning (benchmark protocol)",
    "",
    `The product with its default settings, fed each stream one feedback at a time, every answer given`,
    `before the feedback is learned, over ${seeds.length} seeds; each figure is the median and the worst seed.`,
    `Poison: ${POISON} consecutive answers flipped at 300, 600, 1,000, 2,000 and 100 after the real change;`,
    `the loss is the accuracy against the true answers over the ${AFTER_POISON} feedback after it, beside the`,
    "same seed's run without the poison. scikit-learn: its forest retrained in full every 50 feedback.",
    "",
    ...markdownTable(table),
    "",
    `Memory: one model ${memory.modelHeapMB} MB, with a version on trial ${memory.withChallengerHeapMB} MB (×${memory.heapRatio}).`,
    "",
  ].join("\n");
  return { json: { guardrail: { seeds: seeds.length, streams: perStream, summary, memory } }, table, markdown };
}

/**
 * scikit-learn's prequential accuracy per stream and seed (full retrain every 50, as FACTS.md
 * measures it). Its fits take 0.2–0.6 s each on a shared 2-core machine (a SEA stream of 6,000
 * took 5 minutes): every seed on WDBC, the first SKLEARN_SEEDS seeds on the longer streams, one
 * request per Python process so that one slow stream does not run the others out of time.
 */
async function sklearnFigures(
  perStream: Record<string, SeedFigures[]>,
  seeds: number[],
  quick: boolean,
): Promise<void> {
  for (const seed of seeds) {
    for (const stream of streamsFor(seed, quick)) {
      if (stream.name !== "wdbc" && seed > SKLEARN_SEEDS) continue;
      const request = {
        task: "prequential",
        X: stream.X.map((x) => Array.from(x)),
        y: stream.y,
        batch: 50,
        window: null,
        trees: 100,
        maxDepth: 10,
        seed,
      };
      const answer = await runPython<{ proba: number[] }>(SKLEARN, request, 1_800_000);
      const figures = perStream[stream.name]?.[seed - 1];
      if (figures && "ok" in answer) figures.sklearn = accuracyOf(answer.ok.proba, stream.y);
      process.stdout.write(` ${stream.name}:${seed}`);
    }
  }
}

interface Spread {
  median: number | null;
  worst: number | null;
  n: number;
}

function spread(values: Array<number | null | undefined>, worstIsHigh: boolean): Spread {
  const known = values.filter((v): v is number => typeof v === "number").sort((a, b) => a - b);
  if (known.length === 0) return { median: null, worst: null, n: 0 };
  const mid = known.length / 2;
  const median =
    known.length % 2 === 1
      ? (known[Math.floor(mid)] as number)
      : ((known[mid - 1] as number) + (known[mid] as number)) / 2;
  return { median, worst: worstIsHigh ? (known.at(-1) as number) : (known[0] as number), n: known.length };
}

type Summary = Record<string, Record<string, Spread | string>>;

/** The summary of per-seed figures (also of a partial run's guardrail-seeds.jsonl). */
export function summarise(perStream: Record<string, SeedFigures[]>): Summary {
  const out: Summary = {};
  for (const [name, seeds] of Object.entries(perStream)) {
    const row: Record<string, Spread | string> = {
      accuracy: spread(
        seeds.map((f) => f.accuracy),
        false,
      ),
      sklearn: spread(
        seeds.map((f) => f.sklearn),
        false,
      ),
      gapPoints: spread(
        seeds.map((f) => (f.sklearn === null ? null : 100 * (f.accuracy - f.sklearn))),
        false,
      ),
      activations: spread(
        seeds.map((f) => f.activations),
        false,
      ),
      rejected: spread(
        seeds.map((f) => f.rejected),
        true,
      ),
      alertsWarning: spread(
        seeds.map((f) => Object.values(f.alerts).reduce((a, b) => a + b, 0)),
        true,
      ),
      accuracyDropAlerts: spread(
        seeds.map((f) => f.alerts["accuracy-drop"] ?? 0),
        true,
      ),
    };
    if (seeds.some((f) => f.changeLive !== undefined)) {
      const never = seeds.filter((f) => f.changeLive === null).length;
      row.changeLive = spread(
        seeds.map((f) => f.changeLive ?? Number.POSITIVE_INFINITY),
        true,
      );
      row.recovery = spread(
        seeds.map((f) => f.recovery ?? Number.POSITIVE_INFINITY),
        true,
      );
      if (never > 0) row.changeNever = `${never} seeds never`;
    }
    const positions = new Set(seeds.flatMap((f) => Object.keys(f.poison ?? {})));
    for (const p of positions) {
      const runs = seeds.map((f) => f.poison?.[p]).filter((r) => r !== undefined);
      row[`poisonLive@${p}`] = `${runs.filter((r) => r.live).length} of ${runs.length}`;
      row[`poisonLoss@${p}`] = spread(
        runs.map((r) => r.lossPoints),
        true,
      );
    }
    out[name] = row;
  }
  return out;
}

/** The summary as a table: median and worst seed per figure, with the target. */
export function summaryTable(summary: Summary, seeds: number): string[][] {
  const table: string[][] = [["stream", "figure", `median (${seeds} seeds)`, "worst", "target"]];
  const pct = (v: number | null) => (v === null ? "-" : `${(v * 100).toFixed(1)} %`);
  const pts = (v: number | null) => (v === null ? "-" : `${v >= 0 ? "+" : ""}${v.toFixed(1)}`);
  const num = (v: number | null) => (v === null ? "-" : Number.isFinite(v) ? String(Math.round(v)) : "never");
  for (const [name, row] of Object.entries(summary)) {
    const add = (
      figure: string,
      value: Spread | string | undefined,
      fmt: (v: number | null) => string,
      target = "",
    ) => {
      if (value === undefined) return;
      if (typeof value === "string") table.push([name, figure, value, "", target]);
      else table.push([name, figure, fmt(value.median), fmt(value.worst), target]);
    };
    const drifting = name !== "wdbc";
    add("prequential accuracy", row.accuracy, pct);
    add("scikit-learn full retrain", row.sklearn, pct);
    add("difference (points)", row.gapPoints, pts, drifting ? "ahead" : "≥ −0.5");
    add("automatic activations", row.activations, num);
    add("rejected by the guardrail", row.rejected, num);
    add("warnings and errors raised", row.alertsWarning, num);
    add("accuracy-drop alerts", row.accuracyDropAlerts, num, drifting ? "" : "0");
    add("change → a version that learned it live", row.changeLive, num, "≤ 150 every seed");
    add("recovery (feedback)", row.recovery, num, name === "sea" ? "≤ 300 median" : "");
    for (const key of Object.keys(row).filter((k) => k.startsWith("poisonLive@"))) {
      const at = key.slice("poisonLive@".length);
      add(`poisoned version live (at ${at})`, row[key], num, "0 runs");
      add(`loss after poison at ${at} (points)`, row[`poisonLoss@${at}`], (v) => pts(v), "≤ 1 median, ≤ 2 worst");
    }
  }
  return table;
}
