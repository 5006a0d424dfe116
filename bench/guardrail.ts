/**
 * The guardrail: the product (PatternModel, default settings) fed a stream feedback by
 * feedback, each answered (scored) before it is given. Two configurations in the same run:
 * the default one, where each new version goes on trial beside the active one and goes live
 * only when it does not do worse on the feedback after it, and "at once", where every new
 * version goes live after one feedback (samples 1, any drop allowed): what the previous,
 * in-sample guardrail did in practice, since it nearly always accepted.
 *
 * Scenarios: a poisoned batch (100 consecutive answers flipped, e.g. a phone whose buttons are
 * mapped the wrong way round), a real change of taste (the streams' own concept changes), and
 * stationary data (WDBC). Also the memory of a model with a challenger beside it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Label } from "../src/feedback/feedback";
import { FeatureSchema } from "../src/features/schema";
import { PatternLearner } from "../src/learning/learner";
import { TrainingHistory } from "../src/learning/history";
import { Trainer } from "../src/learning/trainer";
import { PatternModel } from "../src/model/pattern-model";
import { PATTERN_MODEL_SPEC } from "../src/settings/spec";
import { householdStream } from "../src/testing/simulation/household";
import { SeededRandom } from "../src/testing/simulation/random";
import { seaStream } from "../src/testing/simulation/sea";
import { loadWdbc } from "./baselines";
import { markdownTable, type BenchOptions, type BenchResult, type BenchSection } from "./section";

export const guardrailSection: BenchSection = {
  name: "guardrail",
  run: runGuardrail,
};

const SEED = 7;
const POISON = 100;
const AFTER_POISON = 500;
/** Feedback per automatic update: the product's default (PATTERN_MODEL_SPEC.updateThreshold). */
const BATCH = PATTERN_MODEL_SPEC.updateThreshold.default;
/** Feedback given per addFeedback call (each one answered before the call). */
const CHUNK = 10;

type Config = "guardrail" | "atOnce";
const CONFIGS: Config[] = ["guardrail", "atOnce"];
const CONFIG_LABEL: Record<Config, string> = { guardrail: "trial (default)", atOnce: "at once (previous)" };

interface Stream {
  name: string;
  schema: FeatureSchema;
  X: Float64Array[];
  y: Label[];
  /** Where the taste changes (0-based index of the first feedback after it); null when stationary. */
  changeAt: number | null;
  /** Where the poisoned batch starts; null: no poison scenario on this stream. */
  poisonAt: number | null;
}

interface VersionRecord {
  id: string;
  watermark: number;
  newSamples: number;
  kind: string;
}

interface Run {
  /** The model's answer to each feedback, before it was given. */
  proba: number[];
  versions: Map<string, VersionRecord>;
  /** Versions that went live without a person, with the feedback count when they did. */
  activations: Array<{ version: string; at: number }>;
  rejected: number;
}

function buildStreams(quick: boolean): Stream[] {
  const householdSamples = quick ? 1500 : 3000;
  const household = householdStream({
    samples: householdSamples,
    seed: SEED,
    changeAt: quick ? 1000 : 1800,
  });
  const sea = seaStream({ samples: quick ? 3000 : 6000, seed: SEED });
  const wdbc = loadWdbc();
  const order = new SeededRandom(SEED).shuffle(wdbc.X.map((_, i) => i));
  return [
    {
      name: "household",
      schema: household.schema,
      X: household.X,
      y: household.y,
      changeAt: household.changes[0]?.at ?? null,
      poisonAt: quick ? 300 : 600,
    },
    {
      name: "sea",
      schema: sea.schema,
      X: sea.X,
      y: sea.y,
      changeAt: sea.changes.find((c) => c.kind === "abrupt")?.at ?? null,
      poisonAt: quick ? 1000 : 2200,
    },
    {
      name: "wdbc",
      schema: new FeatureSchema(wdbc.names),
      X: order.map((i) => wdbc.X[i] as Float64Array),
      y: order.map((i) => wdbc.y[i] as Label),
      changeAt: null,
      poisonAt: null,
    },
  ];
}

/** Feeds `labels` (the stream's, or poisoned ones) to a fresh PatternModel; answers are scored before each is given. */
async function feed(stream: Stream, labels: readonly Label[], config: Config): Promise<Run> {
  const dir = await mkdtemp(path.join(tmpdir(), "pq-guardrail-"));
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: [...stream.schema.names] },
    forest: { seed: SEED },
    updateThreshold: BATCH,
    minSamples: 10,
    autoUpdate: true,
    alerts: { updateBudgetMs: 60_000 },
    guardrail: config === "atOnce" ? { samples: 1, maxDropPoints: 100 } : {},
  });
  const run: Run = { proba: [], versions: new Map(), activations: [], rejected: 0 };
  model.on("update", (result: { version: string }) => {
    const entry = model.versions.get(result.version);
    run.versions.set(entry.id, {
      id: entry.id,
      watermark: entry.trainedOn.feedbackWatermark,
      newSamples: Number(entry.metrics.newSamples ?? 0),
      kind: entry.kind,
    });
  });
  model.on("activated", (event: { to: string; by: string }) => {
    if (event.by === "pattern-model") run.activations.push({ version: event.to, at: run.proba.length });
  });
  model.on("alert", (alert: { type: string; severity: string }) => {
    if (alert.type === "guardrail-rejected" && alert.severity === "warning") run.rejected++;
  });
  const names = stream.schema.names;
  try {
    for (let start = 0; start < labels.length; start += CHUNK) {
      const batch = [];
      for (let i = start; i < Math.min(labels.length, start + CHUNK); i++) {
        const x = stream.X[i] as Float64Array;
        const features: Record<string, number> = {};
        names.forEach((name, j) => {
          features[name] = x[j] as number;
        });
        run.proba.push(model.score(features, "features").score);
        batch.push({ id: `f${i}`, patternId: `p${i}`, label: labels[i] as Label, features });
      }
      const result = await model.addFeedback(batch);
      // Deterministic: the update a batch triggers, and the trial it starts, finish before the next batch.
      if (result.updateTriggered || model.updating) await until(() => !model.updating);
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  }
  return run;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 2));
}

function accuracy(proba: readonly number[], truth: readonly Label[], from = 0, to = proba.length): number {
  let correct = 0;
  for (let i = from; i < to; i++) if (((proba[i] as number) >= 0.5 ? 1 : 0) === truth[i]) correct++;
  return correct / Math.max(1, to - from);
}

/** True when a version whose new trees were grown mostly on the poisoned rows went live. */
function poisonedActivated(run: Run, poisonAt: number): boolean {
  // Feedback log seq n is the stream's row n - 1.
  const first = poisonAt + 1;
  const last = poisonAt + POISON;
  return run.activations.some(({ version }) => {
    const v = run.versions.get(version);
    if (!v || v.newSamples === 0) return false;
    const from = v.watermark - v.newSamples + 1;
    const overlap = Math.max(0, Math.min(last, v.watermark) - Math.max(first, from) + 1);
    return overlap >= v.newSamples / 2;
  });
}

/** Feedback between the change and the first version to go live that grew mostly on rows after it. */
function changeActivatedAfter(run: Run, changeAt: number): number | null {
  for (const { version, at } of run.activations) {
    const v = run.versions.get(version);
    if (!v || at <= changeAt) continue;
    if (v.watermark - changeAt >= Math.max(1, v.newSamples / 2)) return at - changeAt;
  }
  return null;
}

interface StreamFigures {
  samples: number;
  accuracy: Record<Config, number>;
  activations: Record<Config, number>;
  rejected: Record<Config, number>;
  trueChangeActivatedAfter?: Record<Config, number | null>;
  poison?: {
    at: number;
    poisonedActivated: Record<Config, boolean>;
    accuracyLossPoints: Record<Config, number>;
  };
}

async function streamFigures(stream: Stream): Promise<StreamFigures> {
  process.stdout.write(`  ${stream.name} (${stream.y.length} feedback):`);
  const clean = {} as Record<Config, Run>;
  for (const config of CONFIGS) {
    process.stdout.write(` ${config}`);
    clean[config] = await feed(stream, stream.y, config);
  }
  const figures: StreamFigures = {
    samples: stream.y.length,
    accuracy: { guardrail: accuracy(clean.guardrail.proba, stream.y), atOnce: accuracy(clean.atOnce.proba, stream.y) },
    activations: { guardrail: clean.guardrail.activations.length, atOnce: clean.atOnce.activations.length },
    rejected: { guardrail: clean.guardrail.rejected, atOnce: clean.atOnce.rejected },
  };
  if (stream.changeAt !== null) {
    const at = stream.changeAt;
    figures.trueChangeActivatedAfter = {
      guardrail: changeActivatedAfter(clean.guardrail, at),
      atOnce: changeActivatedAfter(clean.atOnce, at),
    };
  }
  if (stream.poisonAt !== null) {
    const at = stream.poisonAt;
    const labels = stream.y.map((y, i) => (i >= at && i < at + POISON ? ((1 - y) as Label) : y));
    const poisonedActivatedBy = {} as Record<Config, boolean>;
    const loss = {} as Record<Config, number>;
    for (const config of CONFIGS) {
      process.stdout.write(` ${config}+poison`);
      const run = await feed(stream, labels, config);
      poisonedActivatedBy[config] = poisonedActivated(run, at);
      // Against the true answers, over the feedback after the poison, beside the same run without it.
      const from = at + POISON;
      const to = Math.min(stream.y.length, from + AFTER_POISON);
      loss[config] =
        100 * (accuracy(clean[config].proba, stream.y, from, to) - accuracy(run.proba, stream.y, from, to));
    }
    figures.poison = { at, poisonedActivated: poisonedActivatedBy, accuracyLossPoints: loss };
  }
  process.stdout.write("\n");
  return figures;
}

/** Heap and RSS of a 100-tree, depth-10 model alone and with a challenger (a second learner) beside it. */
async function memoryFigures(quick: boolean): Promise<Record<string, number>> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const sea = seaStream({ samples: quick ? 3000 : 6000, seed: SEED });
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
  const streams = buildStreams(options.quick);
  const perStream: Record<string, StreamFigures> = {};
  for (const stream of streams) perStream[stream.name] = await streamFigures(stream);
  const memory = await memoryFigures(options.quick);
  const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
  const table: string[][] = [["stream", "figure", CONFIG_LABEL.guardrail, CONFIG_LABEL.atOnce]];
  for (const [name, f] of Object.entries(perStream)) {
    table.push([name, "prequential accuracy", pct(f.accuracy.guardrail), pct(f.accuracy.atOnce)]);
    table.push([name, "automatic activations", String(f.activations.guardrail), String(f.activations.atOnce)]);
    table.push([name, "rejected by the guardrail", String(f.rejected.guardrail), String(f.rejected.atOnce)]);
    if (f.trueChangeActivatedAfter) {
      const show = (v: number | null) => (v === null ? "never" : `${v} feedback`);
      table.push([
        name,
        "change of taste → live",
        show(f.trueChangeActivatedAfter.guardrail),
        show(f.trueChangeActivatedAfter.atOnce),
      ]);
    }
    if (f.poison) {
      const p = f.poison;
      table.push([
        name,
        "poisoned version live",
        String(p.poisonedActivated.guardrail),
        String(p.poisonedActivated.atOnce),
      ]);
      table.push([
        name,
        `accuracy loss, ${AFTER_POISON} after poison`,
        `${p.accuracyLossPoints.guardrail.toFixed(1)} points`,
        `${p.accuracyLossPoints.atOnce.toFixed(1)} points`,
      ]);
    }
  }
  table.push([
    "memory",
    "heap: one model / with challenger",
    `${memory.modelHeapMB} / ${memory.withChallengerHeapMB} MB`,
    `ratio ${memory.heapRatio}`,
  ]);
  const markdown = [
    "## Guardrail",
    "",
    "The product (PatternModel with default settings) fed each stream feedback by feedback, every answer",
    "given before the feedback is learned. *Trial* is the default: a new version answers the next feedback",
    "beside the active one and goes live only if it does not do worse there. *At once* makes every new",
    "version live after one feedback: what the previous, in-sample guardrail did in practice.",
    `Poison: ${POISON} consecutive answers flipped; the loss is the accuracy against the true answers over the`,
    `${AFTER_POISON} feedback after it, beside the same run without the poison.`,
    "",
    ...markdownTable(table),
    "",
  ].join("\n");
  return {
    json: { guardrail: { configs: CONFIG_LABEL, poison: POISON, streams: perStream, memory } },
    table,
    markdown,
  };
}
