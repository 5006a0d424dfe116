/**
 * The learning benchmark: how fast the forest updates and how well it predicts, against the
 * majority class, ml-random-forest, scikit-learn and XGBoost, all measured in the same run.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { Label } from "../src/feedback/feedback";
import { FeatureSchema } from "../src/features/schema";
import { Adwin } from "../src/learning/adwin";
import { TrainingHistory } from "../src/learning/history";
import { PatternLearner, type ForestParams } from "../src/learning/learner";
import { PrequentialMonitor } from "../src/learning/monitor";
import { percentile } from "../src/learning/timing";
import { Trainer } from "../src/learning/trainer";
import { householdStream } from "../src/testing/simulation/household";
import { SeededRandom } from "../src/testing/simulation/random";
import { seaStream } from "../src/testing/simulation/sea";
import {
  loadWdbc,
  majorityProba,
  type Outcome,
  type PythonBaseline,
  runMlForest,
  runPythonAll,
  SKLEARN,
  XGBOOST,
} from "./baselines";
import { lineChart, type Series } from "./charts";
import type { BenchOptions, BenchResult, BenchSection } from "./section";

/** The forest of the original design: 100 trees, depth 10, balanced classes. */
const PARAMS: Partial<ForestParams> = { trees: 100, maxDepth: 10, seed: 1 };
const SEED = 42;

/** Progress on the terminal, each step with the seconds since the section started. */
const sectionStart = { at: performance.now() };
function progress(text: string): void {
  process.stdout.write(`${text} (${((performance.now() - sectionStart.at) / 1000).toFixed(1)} s)`);
}

interface Stream {
  name: string;
  schema: FeatureSchema;
  X: Float64Array[];
  y: Label[];
  /** Samples between two updates (test-then-train batches). */
  batch: number;
  /** Metrics count from this sample on (WDBC: from the first trained model, as the reference figure). */
  scoreFrom?: number;
  /** Sliding window of the full retrain, when it has one. */
  window?: number;
  changes: Array<{ at: number; kind: string }>;
}

interface StreamScore {
  prequentialAccuracy: number;
  fadingAccuracy: number;
  kappa: number;
  brier: number;
  logLoss: number;
  /** Samples where the monitor's ADWIN reported a drift. */
  driftsAt: number[];
  updates?: number;
  /** SEA: samples after the abrupt change until the 100-sample accuracy is back within 2 points. */
  recoverySamples?: number | null;
  /** First sample counted (1-based), when the first batch is left out. */
  scoredFrom?: number;
  note?: string;
}

type MethodResult = StreamScore | { skipped: string } | { dnf: string };

interface Scored {
  json: MethodResult;
  curve?: Array<[number, number]>;
}

/** Our three ways to learn, plus the full retrain, as test-then-train over a stream. */
type OurMethod = "incremental" | "full" | "online";

export const learningSection: BenchSection = {
  name: "learning",
  run: runLearning,
};

async function runLearning(options: BenchOptions): Promise<BenchResult> {
  const quick = options.quick;
  sectionStart.at = performance.now();
  const trainer = new Trainer();
  const table: string[][] = [["figure", "measured", "target"]];
  const md: string[] = ["## Learning", ""];
  const json: Record<string, unknown> = {};
  const notes: string[] = [];
  if (quick)
    notes.push(
      "`--quick`: stored sizes 100/1,000/10,000 only, fewer repetitions, shorter streams, scikit-learn, XGBoost and ml-random-forest on fewer streams, shorter time caps.",
    );
  try {
    // ---- the Python references first
    const plan = planUpdateTime(quick);
    const streams = buildStreams(quick);
    const python = await runPythonBaselines(plan, streams, quick);

    // ---- update time vs stored history
    const update = await measureUpdateTime(trainer, plan, python);
    json.updateTime = update.rows;
    json.predictOneMs = update.predictOneMs;
    json.onlineUpdateMs = update.onlineUpdateMs;
    json.eventLoopLagMs = update.eventLoopLagMs;
    const at10k = update.rows.find((r) => r.stored === 10_000);
    const ratios: Record<string, number | null> = {
      incrementalP95VsSklearnFull10k:
        at10k && at10k.sklearnFullMs !== null ? at10k.sklearnFullMs / at10k.incrementalMs.p95 : null,
      fullVsSklearnFull10k: at10k && at10k.sklearnFullMs !== null ? at10k.sklearnFullMs / at10k.fullMs : null,
    };
    json.ratios = ratios;
    if (notes.length > 0) json.learningNotes = notes;

    // ---- streams
    const streamJson: Record<string, Record<string, MethodResult>> = {};
    const charts: string[] = [];
    for (const stream of streams) {
      const results = await evaluateStream(trainer, stream, quick, python);
      streamJson[stream.name] = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.json]));
      if (stream.name !== "coldStart") {
        const file = `accuracy-${stream.name}.svg`;
        writeFileSync(
          path.join(options.resultsDir, file),
          lineChart({
            title: `${stream.name}: prequential accuracy over time (fading, α = 0.99)`,
            xLabel: "samples",
            yLabel: "accuracy",
            yMin: 0.4,
            yMax: 1,
            series: Object.entries(results)
              .filter(([, r]) => r.curve)
              .map(([name, r]): Series => ({ name, points: r.curve! })),
            markers: stream.changes.map((c) => ({ x: c.at, label: c.kind })),
          }),
        );
        charts.push(file);
      }
    }
    json.streams = streamJson;
    const seaInc = streamJson.sea?.incremental;
    const seaWin = streamJson.sea?.fullWindow;
    const comparisons = {
      seaIncrementalMinusFullWindowPoints:
        seaInc && seaWin && "prequentialAccuracy" in seaInc && "prequentialAccuracy" in seaWin
          ? 100 * (seaInc.prequentialAccuracy - seaWin.prequentialAccuracy)
          : null,
    };
    json.comparisons = comparisons;
    const coldCases = await coldStartCases(trainer);
    json.coldStart = { cases: coldCases };

    // ---- ADWIN
    const adwin = adwinFigures(quick ? 30 : 100);
    json.adwin = adwin;

    writeFileSync(path.join(options.resultsDir, "update-time.svg"), updateTimeChart(update.rows));

    // ---- table and report
    const fmt = (v: number | null | undefined, digits = 1) =>
      v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
    for (const row of update.rows) {
      table.push([
        `incremental update p50/p95, ${row.stored} stored (+${row.newSamples})`,
        `${fmt(row.incrementalMs.p50)} / ${fmt(row.incrementalMs.p95)} ms`,
        row.stored === 10_000 ? "p95 ≤ 20 ms" : "",
      ]);
      const ms = (v: number | null, note?: string) => (v === null ? (note ?? "n/a") : `${fmt(v, 0)} ms`);
      table.push([
        `full retrain, ${row.stored} stored: ours / sklearn / xgboost / ml-rf`,
        `${ms(row.fullMs)} / ${ms(row.sklearnFullMs, row.sklearnNote)} / ${ms(row.xgboostFullMs, row.xgboostNote)} / ${ms(row.mlRandomForestFullMs, row.mlRandomForestNote)}`,
        "",
      ]);
    }
    table.push(["sklearn full ÷ our incremental p95 (10k)", `${fmt(ratios.incrementalP95VsSklearnFull10k)}×`, "≥ 50×"]);
    table.push(["sklearn full ÷ our full (10k)", `${fmt(ratios.fullVsSklearnFull10k, 2)}×`, "≥ 2×"]);
    table.push([
      "predict one row p50/p99",
      `${fmt(update.predictOneMs.p50, 4)} / ${fmt(update.predictOneMs.p99, 4)} ms`,
      "p99 ≤ 0.1 ms",
    ]);
    table.push([
      "online update p50/p99",
      `${fmt(update.onlineUpdateMs.p50, 4)} / ${fmt(update.onlineUpdateMs.p99, 4)} ms`,
      "p99 ≤ 1 ms",
    ]);
    table.push([
      "event-loop lag p99 during incremental + full",
      `${fmt(update.eventLoopLagMs.p99)} ms (idle ${fmt(update.eventLoopLagMs.idleP99)})`,
      "≤ 20 ms",
    ]);
    const targets: Record<string, Record<string, string>> = {
      wdbc: { incremental: "≥ 0.94", full: "≥ 0.945", sklearn: "0.948 (reference)" },
      sea: { incremental: "within 2 points of fullWindow" },
    };
    for (const [name, methods] of Object.entries(streamJson)) {
      for (const [method, r] of Object.entries(methods)) {
        const measured =
          "skipped" in r
            ? `skipped: ${r.skipped}`
            : "dnf" in r
              ? r.dnf
              : `acc ${fmt(r.prequentialAccuracy, 3)}, κ ${fmt(r.kappa, 3)}, Brier ${fmt(r.brier, 3)}${r.recoverySamples !== undefined ? `, recovery ${r.recoverySamples ?? "never"}` : ""}`;
        table.push([
          `${name} ${method}`,
          measured,
          targets[name]?.[method] ?? (r && "recoverySamples" in r && method === "incremental" ? "recovery ≤ 300" : ""),
        ]);
      }
    }
    table.push([
      "SEA: incremental − sliding-window full (points)",
      fmt(comparisons.seaIncrementalMinusFullWindowPoints),
      "≥ −2",
    ]);
    table.push([
      "ADWIN false alarms in 1,000 stationary samples",
      `${adwin.falseAlarmRuns} of ${adwin.stationaryRuns} runs`,
      "0",
    ]);
    for (const d of adwin.detection)
      table.push([
        `ADWIN delay ${d.from} → ${d.to}: median / p90`,
        `${d.medianDelay} / ${d.p90Delay} (missed ${d.missed})`,
        "median ≤ 200",
      ]);
    table.push([
      "cold start cases without crash / sensible",
      `${coldCases.filter((c) => c.ok).length} / ${coldCases.filter((c) => c.sensible).length} of ${coldCases.length}`,
      "all",
    ]);

    md.push(...notes.map((n) => `> ${n}`), "");
    md.push("### Update time vs stored history", "");
    md.push(
      'Incremental: 100 new samples, 10 trees grown and swapped in, measured from the request to the new model being ready (worker hand-off included). Full: all stored rows, 100 trees, depth 10, through the same worker threads. scikit-learn: `RandomForestClassifier(n_estimators=100, max_depth=10, class_weight="balanced", n_jobs=-1)`, fit time measured inside Python. XGBoost: `tree_method="hist"`, 100 boosting rounds, depth 10 (as the forests, not the XGBoost default of 6, so the trees compared are of the same size), classes balanced as for scikit-learn, other settings at their defaults, fit time measured inside Python. ml-random-forest 2.1.0: 100 trees, depth 10, `noOOB`, in a child process killed at the cap.',
      "",
    );
    md.push(
      "| stored | incremental p50 / p95 / max (ms) | of which training p50 / p95 (ms) | our full (ms) | scikit-learn full (ms) | XGBoost full (ms) | ml-random-forest full (ms) |",
      "|---:|---|---|---:|---:|---:|---:|",
    );
    const cell = (v: number | null, note?: string) => (v === null ? (note ?? "n/a") : fmt(v, 0));
    for (const row of update.rows) {
      md.push(
        `| ${row.stored} | ${fmt(row.incrementalMs.p50)} / ${fmt(row.incrementalMs.p95)} / ${fmt(row.incrementalMs.max)} | ${fmt(row.incrementalTrainMs.p50)} / ${fmt(row.incrementalTrainMs.p95)} | ${fmt(row.fullMs, 0)} | ${cell(row.sklearnFullMs, row.sklearnNote)} | ${cell(row.xgboostFullMs, row.xgboostNote)} | ${cell(row.mlRandomForestFullMs, row.mlRandomForestNote)} |`,
      );
    }
    md.push("", "![update time vs stored history](update-time.svg)", "");
    md.push(
      `Ratios at 10,000 stored: scikit-learn full ÷ our incremental p95 = **${fmt(ratios.incrementalP95VsSklearnFull10k)}×** (target ≥ 50×); scikit-learn full ÷ our full = **${fmt(ratios.fullVsSklearnFull10k, 2)}×** (target ≥ 2×).`,
      "",
    );
    md.push("| figure | measured | target |", "|---|---|---|");
    md.push(
      `| predict one row p50 / p99 (5,000 calls, after 500 untimed warm-up calls) | ${fmt(update.predictOneMs.p50, 4)} / ${fmt(update.predictOneMs.p99, 4)} ms | p99 ≤ 0.1 ms |`,
    );
    md.push(
      `| online update p50 / p99 (likewise) | ${fmt(update.onlineUpdateMs.p50, 4)} / ${fmt(update.onlineUpdateMs.p99, 4)} ms | p99 ≤ 1 ms |`,
    );
    md.push(
      `| event-loop lag p99 while an incremental and a full update run (${update.eventLoopLagMs.stored} stored) | ${fmt(update.eventLoopLagMs.p99)} ms (idle: ${fmt(update.eventLoopLagMs.idleP99)} ms) | ≤ 20 ms |`,
      "",
    );

    md.push("### Streams (test-then-train)", "");
    md.push(
      "Each sample is first predicted, then learned. `incremental`: online update of every sample plus an incremental update per batch (the product's way: once the drift detector sees the error rate rise, the next update regrows half the forest and new trees learn from the rows since the change only); `full`: full retrain per batch on all samples so far (SEA: `fullWindow`, on the last 1,000); `online`: one training on the first batch, then online updates only; `majority`: the share of approvals so far; `sklearn` and `xgboost` (SEA: `sklearnWindow`, `xgboostWindow`, on the last 1,000): a full fit of the reference per batch (one test-then-train protocol for both). Batches: WDBC 50 (rows shuffled with a fixed seed; scored from sample 51, as the scikit-learn reference figure, since the first batch is predicted before any training), SEA 100, household 50 (taste change half-way), cold start 2.",
      "",
    );
    md.push(
      "| stream | method | accuracy | kappa | Brier | log-loss | drifts (ADWIN) | note |",
      "|---|---|---:|---:|---:|---:|---|---|",
    );
    for (const [name, methods] of Object.entries(streamJson)) {
      for (const [method, r] of Object.entries(methods)) {
        if ("skipped" in r || "dnf" in r) {
          md.push(`| ${name} | ${method} | | | | | | ${"skipped" in r ? `skipped: ${r.skipped}` : r.dnf} |`);
          continue;
        }
        const recovery =
          r.recoverySamples !== undefined
            ? `back within 2 points ${r.recoverySamples === null ? "never" : `after ${r.recoverySamples} samples`}`
            : "";
        md.push(
          `| ${name} | ${method} | ${fmt(r.prequentialAccuracy, 3)} | ${fmt(r.kappa, 3)} | ${fmt(r.brier, 3)} | ${fmt(r.logLoss, 3)} | ${r.driftsAt.slice(0, 6).join(", ")}${r.driftsAt.length > 6 ? ", …" : ""} | ${[recovery, r.note ?? ""].filter(Boolean).join("; ")} |`,
        );
      }
    }
    md.push(
      "",
      `SEA: incremental − sliding-window full retrain = ${fmt(comparisons.seaIncrementalMinusFullWindowPoints)} points (target: within 2). Recovery: samples after the abrupt change until the accuracy over the last 100 samples is back within 2 points of the 500 samples before it (target ≤ 300).`,
      "",
    );
    for (const file of charts) md.push(`![${file}](${file})`, "");
    md.push(
      "### Cold start",
      "",
      "Trained on the first few decisions (or on single-class or duplicate rows), then asked about the next 200 patterns. Sensible: the mean answer leans the way the training decisions do (within 0.35 of their share of approvals; single class: on that side of 0.5; 7 of 10: within 0.2 of 0.7).",
      "",
    );
    md.push("| case | method | no crash | sensible | mean P(approve) | note |", "|---|---|---|---|---:|---|");
    for (const c of coldCases)
      md.push(
        `| ${c.case} | ${c.method} | ${c.ok ? "yes" : "NO"} | ${c.sensible ? "yes" : "no"} | ${fmt(c.meanProba, 3)} | ${c.note ?? ""} |`,
      );
    md.push("", "### ADWIN (δ = 0.002)", "");
    md.push(
      `False alarms: ${adwin.falseAlarmRuns} of ${adwin.stationaryRuns} runs of 1,000 stationary samples (error rates ${adwin.stationaryRates.join(", ")}) raised any alarm.`,
      "",
    );
    md.push("| error rate jump | median delay | p90 delay | missed (within 2,000) |", "|---|---:|---:|---:|");
    for (const d of adwin.detection)
      md.push(`| ${d.from} → ${d.to} | ${d.medianDelay} | ${d.p90Delay} | ${d.missed} of ${d.runs} |`);
    md.push("");
  } finally {
    await trainer.close();
  }
  return { json, table, markdown: `${md.join("\n")}\n` };
}

// ---------------------------------------------------------------- update time

interface UpdateRow {
  stored: number;
  newSamples: number;
  incrementalMs: { p50: number; p95: number; max: number };
  /** Of which training inside the worker threads (the rest is hand-off and model assembly). */
  incrementalTrainMs: { p50: number; p95: number };
  fullMs: number;
  mlRandomForestFullMs: number | null;
  mlRandomForestNote?: string;
  sklearnFullMs: number | null;
  sklearnNote?: string;
  xgboostFullMs: number | null;
  xgboostNote?: string;
}

/** Each Python reference's answers, keyed as `pythonRequests` names them. */
interface PythonAnswers {
  sklearn: Record<string, Outcome<unknown>>;
  xgboost: Record<string, Outcome<unknown>>;
}

/**
 * scikit-learn's and XGBoost's runs, one after the other so neither slows the other's fits, from
 * the same requests. The requests (every row as a JS array, ~100 MB) live only in here: kept alive,
 * they made the heap large enough for collection pauses to show up in the update times measured next.
 */
async function runPythonBaselines(
  plan: ReturnType<typeof planUpdateTime>,
  streams: ReturnType<typeof buildStreams>,
  quick: boolean,
): Promise<PythonAnswers> {
  const requests = pythonRequests(plan, streams, quick);
  const run = async (baseline: PythonBaseline) => {
    progress(` ${baseline.name}…`);
    return runPythonAll(baseline, requests);
  };
  process.stdout.write("  references:");
  const answers = { sklearn: await run(SKLEARN), xgboost: await run(XGBOOST) };
  process.stdout.write(" done\n");
  return answers;
}

/** The median fit time of a reference's full fits at one size, or why there is none. */
function referenceFitMs(outcome: Outcome<unknown> | undefined): { ms: number | null; note?: string } {
  if (outcome === undefined) return { ms: null, note: "not run" };
  if ("ok" in outcome) return { ms: percentile((outcome.ok as { fitMs: number[] }).fitMs, 50) };
  return { ms: null, note: "skipped" in outcome ? `skipped: ${outcome.skipped}` : outcome.dnf };
}

/** Every run of the Python references: full fits per stored size, and the streams. */
function pythonRequests(
  plan: ReturnType<typeof planUpdateTime>,
  streams: ReturnType<typeof buildStreams>,
  quick: boolean,
): Record<string, Record<string, unknown>> {
  const skRequests: Record<string, Record<string, unknown>> = {};
  for (const stored of plan.sizes) {
    skRequests[`fit:${stored}`] = {
      task: "fit",
      X: plan.data.X.slice(0, stored).map((x) => Array.from(x)),
      y: plan.data.y.slice(0, stored),
      repeats: fullRepeats(stored),
      trees: 100,
      maxDepth: 10,
      seed: 1,
    };
  }
  for (const stream of streams) {
    if (quick && (stream.name === "sea" || stream.name === "household")) continue;
    skRequests[`stream:${stream.name}`] = {
      task: "prequential",
      X: stream.X.map((x) => Array.from(x)),
      y: stream.y,
      batch: stream.batch,
      window: stream.window ?? null,
      trees: 100,
      maxDepth: 10,
      seed: 1,
    };
  }
  return skRequests;
}

/**
 * Full fits timed per size, ours and scikit-learn's alike, reported as the median: the first fit
 * at a new size also pays for V8 optimising the training loops (up to 2× at 10,000 rows).
 */
function fullRepeats(stored: number): number {
  return stored <= 10_000 ? 3 : 1;
}

function planUpdateTime(quick: boolean) {
  const sizes = quick ? [100, 1000, 10_000] : [100, 1000, 10_000, 50_000];
  // 100 updates per size, so the p95 is the 95th of 100 rather than the second-slowest of a few dozen.
  const repeats = quick ? 10 : 100;
  const newSamples = 100;
  const largest = sizes[sizes.length - 1] as number;
  // Stored rows first, then the new batches: the household's standard pattern features. Only the
  // rows are kept: the 60,000 pattern objects they were computed from made the heap large enough
  // for the collector's marking (on the main thread and beside the worker) to show in the updates.
  const { schema, X, y } = householdStream({ samples: largest + repeats * newSamples, seed: SEED });
  return { sizes, repeats, newSamples, largest, data: { schema, X, y }, mlCap: quick ? 3_000 : 30_000 };
}

async function measureUpdateTime(trainer: Trainer, plan: ReturnType<typeof planUpdateTime>, python: PythonAnswers) {
  const { sizes, repeats, newSamples, largest, data, mlCap } = plan;
  const schema = data.schema;
  const rows: UpdateRow[] = [];
  let mlGaveUp: string | null = null;
  let at10k: { model: PatternLearner; history: TrainingHistory } | null = null;
  // Start the worker threads first: a running product keeps them, so their start-up is not an update's cost.
  const warm = new TrainingHistory(schema, 1000);
  warm.addBatch(data.X.slice(0, 200), data.y.slice(0, 200));
  const warmed = await trainer.full(PatternLearner.create(schema, PARAMS), warm);
  await trainer.incremental(warmed.model, { X: data.X.slice(200, 300), y: data.y.slice(200, 300) }, warm);
  for (const stored of sizes) {
    const history = new TrainingHistory(schema, Math.max(stored, 1000));
    history.addBatch(data.X.slice(0, stored), data.y.slice(0, stored));
    process.stdout.write(`  update time at ${stored} stored: full…`);
    const fullTimes: number[] = [];
    let full = await trainer.full(PatternLearner.create(schema, PARAMS), history);
    fullTimes.push(full.totalMs);
    for (let r = 1; r < fullRepeats(stored); r++) {
      full = await trainer.full(PatternLearner.create(schema, PARAMS), history);
      fullTimes.push(full.totalMs);
    }
    let model = full.model;
    const incremental: number[] = [];
    const incrementalTrain: number[] = [];
    progress(" incremental…");
    for (let r = 0; r < repeats; r++) {
      const from = largest + r * newSamples;
      const result = await trainer.incremental(
        model,
        { X: data.X.slice(from, from + newSamples), y: data.y.slice(from, from + newSamples) },
        history,
      );
      incremental.push(result.totalMs);
      incrementalTrain.push(result.trainMs);
      model = result.model;
    }
    if (stored === 10_000) at10k = { model, history };
    const row: UpdateRow = {
      stored,
      newSamples,
      incrementalMs: {
        p50: percentile(incremental, 50),
        p95: percentile(incremental, 95),
        max: Math.max(...incremental),
      },
      incrementalTrainMs: { p50: percentile(incrementalTrain, 50), p95: percentile(incrementalTrain, 95) },
      fullMs: percentile(fullTimes, 50),
      mlRandomForestFullMs: null,
      sklearnFullMs: null,
      xgboostFullMs: null,
    };
    const X = data.X.slice(0, stored).map((x) => Array.from(x));
    const y = data.y.slice(0, stored);
    const sk = referenceFitMs(python.sklearn[`fit:${stored}`]);
    row.sklearnFullMs = sk.ms;
    if (sk.note) row.sklearnNote = sk.note;
    const xgb = referenceFitMs(python.xgboost[`fit:${stored}`]);
    row.xgboostFullMs = xgb.ms;
    if (xgb.note) row.xgboostNote = xgb.note;
    progress(" ml-random-forest…");
    if (mlGaveUp) {
      row.mlRandomForestNote = `not run (${mlGaveUp} at a smaller size)`;
    } else {
      const ml = await runMlForest({ task: "fit", X, y, trees: 100, maxDepth: 10, seed: 1 }, mlCap);
      if ("ok" in ml && "fitMs" in ml.ok) row.mlRandomForestFullMs = ml.ok.fitMs;
      else {
        row.mlRandomForestNote = "dnf" in ml ? ml.dnf : "skipped" in ml ? ml.skipped : "no answer";
        if ("dnf" in ml) mlGaveUp = ml.dnf;
      }
    }
    process.stdout.write(" done\n");
    rows.push(row);
  }

  // One-row prediction and online update on the 10,000-row model.
  const { model, history } = at10k!;
  const random = new SeededRandom(7);
  const probe = data.X.slice(0, 10_000);
  // Steady state, as in a running Node-RED that scores patterns all day: the first few hundred
  // calls run while V8 is still compiling the tree walk (up to ~0.5 ms each) and are not timed.
  for (let i = 0; i < 500; i++) model.predictProba(probe[random.int(probe.length)] as Float64Array);
  const predictTimes: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const x = probe[random.int(probe.length)] as Float64Array;
    const t = performance.now();
    model.predictProba(x);
    predictTimes.push(performance.now() - t);
  }
  const online = model.clone();
  for (let i = 0; i < 500; i++) {
    const k = random.int(probe.length);
    online.learnOne(probe[k] as Float64Array, data.y[k] as Label);
  }
  const onlineTimes: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const k = random.int(probe.length);
    const t = performance.now();
    online.learnOne(probe[k] as Float64Array, data.y[k] as Label);
    onlineTimes.push(performance.now() - t);
  }

  // Event-loop lag on this thread while the worker threads train.
  const idle = monitorEventLoopDelay({ resolution: 2 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 500));
  idle.disable();
  const busy = monitorEventLoopDelay({ resolution: 2 });
  busy.enable();
  const inc = await trainer.incremental(
    model,
    { X: data.X.slice(largest, largest + newSamples), y: data.y.slice(largest, largest + newSamples) },
    history,
  );
  await trainer.full(inc.model, history);
  busy.disable();
  return {
    rows,
    predictOneMs: { p50: percentile(predictTimes, 50), p99: percentile(predictTimes, 99) },
    onlineUpdateMs: { p50: percentile(onlineTimes, 50), p99: percentile(onlineTimes, 99) },
    eventLoopLagMs: {
      p99: busy.percentile(99) / 1e6,
      max: busy.max / 1e6,
      idleP99: idle.percentile(99) / 1e6,
      stored: 10_000,
    },
  };
}

function updateTimeChart(rows: UpdateRow[]): string {
  const series = (name: string, pick: (r: UpdateRow) => number | null): Series => ({
    name,
    points: rows.map((r): [number, number] => [r.stored, pick(r) ?? Number.NaN]),
  });
  return lineChart({
    title: "Update time vs stored history (100 trees, depth 10)",
    xLabel: "stored samples",
    yLabel: "milliseconds",
    logX: true,
    logY: true,
    series: [
      series("ours: incremental p50", (r) => r.incrementalMs.p50),
      series("ours: incremental p95", (r) => r.incrementalMs.p95),
      series("ours: full retrain", (r) => r.fullMs),
      series("scikit-learn: full", (r) => r.sklearnFullMs),
      series("XGBoost: full", (r) => r.xgboostFullMs),
      series("ml-random-forest: full", (r) => r.mlRandomForestFullMs),
    ],
  });
}

// ---------------------------------------------------------------- streams

function buildStreams(quick: boolean): Stream[] {
  const wdbc = loadWdbc();
  const order = new SeededRandom(SEED).shuffle(wdbc.X.map((_, i) => i));
  const sea = seaStream({ samples: quick ? 4000 : 6000, seed: SEED });
  const household = householdStream({ samples: quick ? 1000 : 3000, seed: SEED });
  return [
    {
      name: "wdbc",
      schema: new FeatureSchema(wdbc.names),
      X: order.map((i) => wdbc.X[i] as Float64Array),
      y: order.map((i) => wdbc.y[i] as Label),
      batch: 50,
      scoreFrom: 50,
      changes: [],
    },
    { name: "sea", schema: sea.schema, X: sea.X, y: sea.y, batch: 100, window: 1000, changes: sea.changes },
    {
      name: "household",
      schema: household.schema,
      X: household.X,
      y: household.y,
      batch: 50,
      changes: household.changes,
    },
    {
      name: "coldStart",
      schema: household.schema,
      X: household.X.slice(0, 20),
      y: household.y.slice(0, 20),
      batch: 2,
      changes: [],
    },
  ];
}

async function evaluateStream(
  trainer: Trainer,
  stream: Stream,
  quick: boolean,
  python: PythonAnswers,
): Promise<Record<string, Scored>> {
  process.stdout.write(`  stream ${stream.name} (${stream.y.length} samples):`);
  const results: Record<string, Scored> = {};
  const step = Math.max(1, Math.floor(stream.y.length / 150));
  const add = (name: string, outcome: Outcome<{ proba: number[]; updates: number; note?: string }>) => {
    progress(` ${name}`);
    if (!("ok" in outcome)) {
      results[name] = { json: outcome };
      return;
    }
    const { score, curve } = scoreStream(outcome.ok.proba, stream, step);
    score.updates = outcome.ok.updates;
    if (outcome.ok.note) score.note = outcome.ok.note;
    results[name] = { json: score, curve };
  };
  add("majority", { ok: { proba: majorityProba(stream.y), updates: 0 } });
  add("incremental", await ours(trainer, stream, "incremental"));
  add(stream.window ? "fullWindow" : "full", await ours(trainer, stream, "full"));
  add("online", await ours(trainer, stream, "online"));

  for (const reference of ["sklearn", "xgboost"] as const) {
    const answer = (python[reference][`stream:${stream.name}`] ?? { skipped: "not run with --quick" }) as Outcome<{
      proba: number[];
      fits: number;
    }>;
    add(
      stream.window ? `${reference}Window` : reference,
      "ok" in answer ? { ok: { proba: answer.ok.proba, updates: answer.ok.fits } } : answer,
    );
  }

  if (stream.name === "wdbc" && quick) {
    add("mlRandomForest", {
      skipped: "not run with --quick (one retrain at 500 rows takes longer than the quick cap)",
    });
  } else if (stream.name === "wdbc") {
    const cap = 60_000;
    const ml = await runMlForest(
      {
        task: "prequential",
        X: stream.X.map((x) => Array.from(x)),
        y: stream.y,
        batch: stream.batch,
        trees: 100,
        maxDepth: 10,
        seed: 1,
      },
      cap,
    );
    add(
      "mlRandomForest",
      "ok" in ml
        ? "proba" in ml.ok
          ? { ok: { proba: ml.ok.proba, updates: ml.ok.fits } }
          : { skipped: "unexpected answer" }
        : ml,
    );
  }
  process.stdout.write("\n");
  return results;
}

/** Test-then-train with our learner through the worker-thread trainer. */
async function ours(
  trainer: Trainer,
  stream: Stream,
  method: OurMethod,
): Promise<Outcome<{ proba: number[]; updates: number }>> {
  const capacity = method === "full" && stream.window ? stream.window : Math.max(1000, stream.y.length);
  const history = new TrainingHistory(stream.schema, capacity);
  let model = PatternLearner.create(stream.schema, PARAMS);
  const proba: number[] = [];
  let updates = 0;
  let batchStart = history.endSeq;
  // As PatternModel does: the drift detector watches the errors, and after a rise of the error
  // rate the incremental updates learn from the rows since the change only (see incrementalPlan).
  const monitor = new PrequentialMonitor();
  let change: { seq: number; fresh: boolean } | null = null;
  const n = stream.y.length;
  for (let i = 0; i < n; i++) {
    const x = stream.X[i] as Float64Array;
    const y = stream.y[i] as Label;
    const p = model.predictProba(x);
    proba.push(p);
    if (method !== "full") model.learnOne(x, y);
    history.add(x, y);
    if (method === "incremental" && monitor.update(p, y).drift && monitor.driftRaisedError) {
      change = { seq: history.endSeq - monitor.samplesSinceChange, fresh: true };
    }
    const boundary = (i + 1) % stream.batch === 0 && i + 1 < n;
    if (!boundary) continue;
    if (method === "incremental") {
      const options = change ? { change: { rows: Math.max(1, history.endSeq - change.seq), fresh: change.fresh } } : {};
      model = (await trainer.incremental(model, { fromSeq: batchStart }, history, options)).model;
      if (change) change.fresh = false;
      updates++;
    } else if (method === "full" || model.treeCount === 0) {
      model = (await trainer.full(model, history)).model;
      updates++;
    }
    batchStart = history.endSeq;
  }
  return { ok: { proba, updates } };
}

function scoreStream(
  proba: number[],
  stream: Stream,
  step: number,
): { score: StreamScore; curve: Array<[number, number]> } {
  const monitor = new PrequentialMonitor();
  const driftsAt: number[] = [];
  const curve: Array<[number, number]> = [];
  const correct: number[] = [];
  const from = stream.scoreFrom ?? 0;
  proba.forEach((p, i) => {
    const y = stream.y[i] as Label;
    if (i < from) return;
    if (monitor.update(p, y).drift) driftsAt.push(i + 1);
    correct.push((p >= 0.5 ? 1 : 0) === y ? 1 : 0);
    if ((i + 1) % step === 0) curve.push([i + 1, monitor.snapshot().fadingAccuracy]);
  });
  const s = monitor.snapshot();
  const score: StreamScore = {
    prequentialAccuracy: s.accuracy,
    fadingAccuracy: s.fadingAccuracy,
    kappa: s.kappa,
    brier: s.brier,
    logLoss: s.logLoss,
    driftsAt,
  };
  const abrupt = stream.changes.find((c) => c.kind === "abrupt");
  if (abrupt && stream.name === "sea") score.recoverySamples = recovery(correct, abrupt.at - from);
  if (from > 0) score.scoredFrom = from + 1;
  return { score, curve };
}

/**
 * Samples after a change until the accuracy over the last 100 samples (all after the change) is
 * back within 2 points of the accuracy over the 500 samples before it; null if it never is.
 */
function recovery(correct: number[], at: number): number | null {
  const window = 100;
  const before = correct.slice(Math.max(0, at - 500), at);
  const target = before.reduce((a, b) => a + b, 0) / before.length - 0.02;
  let sum = 0;
  for (let t = at; t < correct.length; t++) {
    sum += correct[t] as number;
    if (t - at >= window) sum -= correct[t - window] as number;
    if (t - at + 1 >= window && sum / window >= target) return t - at + 1;
  }
  return null;
}

// ---------------------------------------------------------------- cold start

interface ColdCase {
  case: string;
  method: "full" | "incremental";
  ok: boolean;
  sensible: boolean;
  meanProba: number | null;
  /** Share of answers that are exactly 0 or 1: certainty the data cannot support. */
  certainShare?: number;
  note?: string;
}

async function coldStartCases(trainer: Trainer): Promise<ColdCase[]> {
  process.stdout.write("  cold start cases…");
  const data = householdStream({ samples: 400, seed: SEED + 1 });
  const probe = data.X.slice(200, 400);
  const approvals = data.X.filter((_, i) => data.y[i] === 1);
  const rejections = data.X.filter((_, i) => data.y[i] === 0);
  const dup = data.X[0] as Float64Array;
  const cases: Array<{ name: string; X: Float64Array[]; y: Label[]; sensible: (mean: number) => boolean }> = [];
  for (const n of [1, 2, 3, 5, 10, 20]) {
    const y = data.y.slice(0, n);
    const share = y.reduce<number>((a, b) => a + b, 0) / n;
    // Sensible: leans the way the decisions so far lean (within 0.35 of their share of approvals).
    cases.push({
      name: `first ${n} decision${n === 1 ? "" : "s"} (${Math.round(share * 100)} % approved)`,
      X: data.X.slice(0, n),
      y,
      sensible: (m) => Math.abs(m - share) <= 0.35,
    });
  }
  for (const n of [2, 20]) {
    cases.push({
      name: `${n} approvals only`,
      X: approvals.slice(0, n),
      y: Array(n).fill(1),
      sensible: (m) => m >= 0.5,
    });
    cases.push({
      name: `${n} rejections only`,
      X: rejections.slice(0, n),
      y: Array(n).fill(0),
      sensible: (m) => m <= 0.5,
    });
  }
  cases.push({
    name: "one row 10 times: 7 approved, 3 rejected",
    X: Array(10).fill(dup),
    y: [1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    sensible: (m) => Math.abs(m - 0.7) <= 0.2,
  });
  const out: ColdCase[] = [];
  for (const c of cases) {
    for (const method of ["full", "incremental"] as const) {
      const probeRows = c.name.startsWith("one row") ? [dup] : probe;
      try {
        const history = new TrainingHistory(data.schema, 1000);
        let model = PatternLearner.create(data.schema, PARAMS);
        if (method === "full") {
          history.addBatch(c.X, c.y);
          model = (await trainer.full(model, history)).model;
        } else {
          model = (await trainer.incremental(model, { X: c.X, y: c.y }, history)).model;
        }
        const probas = probeRows.map((x) => model.predictProba(x));
        const valid = probas.every((p) => Number.isFinite(p) && p >= 0 && p <= 1);
        const mean = probas.reduce((a, b) => a + b, 0) / probas.length;
        const certain = probas.filter((p) => p === 0 || p === 1).length / probas.length;
        out.push({
          case: c.name,
          method,
          ok: valid,
          sensible: valid && c.sensible(mean),
          meanProba: mean,
          certainShare: certain,
          note: `${model.treeCount} trees${certain > 0 ? `; ${Math.round(certain * 100)} % of answers exactly 0 or 1` : ""}`,
        });
      } catch (error) {
        out.push({ case: c.name, method, ok: false, sensible: false, meanProba: null, note: (error as Error).message });
      }
    }
  }
  process.stdout.write(" done\n");
  return out;
}

// ---------------------------------------------------------------- ADWIN

function adwinFigures(runs: number) {
  const rates = [0.05, 0.1, 0.2, 0.3, 0.5];
  let falseAlarmRuns = 0;
  let stationaryRuns = 0;
  for (const rate of rates) {
    for (let seed = 1; seed <= runs; seed++) {
      const random = new SeededRandom(seed * 1000 + Math.round(rate * 100));
      const adwin = new Adwin();
      let alarm = false;
      for (let i = 0; i < 1000; i++) alarm = adwin.update(random.chance(rate) ? 1 : 0) || alarm;
      stationaryRuns++;
      if (alarm) falseAlarmRuns++;
    }
  }
  const detection = [
    [0.1, 0.3],
    [0.2, 0.4],
    [0.3, 0.5],
  ].map(([from, to]) => {
    const delays: number[] = [];
    let missed = 0;
    for (let seed = 1; seed <= runs; seed++) {
      const random = new SeededRandom(seed * 7919);
      const adwin = new Adwin();
      for (let i = 0; i < 1000; i++) adwin.update(random.chance(from as number) ? 1 : 0);
      let delay = -1;
      for (let i = 1; i <= 2000 && delay < 0; i++) if (adwin.update(random.chance(to as number) ? 1 : 0)) delay = i;
      if (delay < 0) missed++;
      else delays.push(delay);
    }
    return {
      from: from as number,
      to: to as number,
      runs,
      medianDelay: percentile(delays, 50),
      p90Delay: percentile(delays, 90),
      missed,
    };
  });
  return { delta: 0.002, stationaryRates: rates, stationaryRuns, falseAlarmRuns, detection };
}
