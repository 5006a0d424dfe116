/**
 * The benchmark protocol's one way of feeding a stream: the product (PatternModel with its
 * default settings; only the forest's seed and the store directory are given) answers each
 * feedback before it is given, and feedback is given one at a time, as a household gives it.
 * An update a feedback starts finishes before the next feedback comes (a household answers
 * minutes apart; an update takes milliseconds), so runs are reproducible.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Label } from "../src/feedback/feedback";
import type { FeatureSchema } from "../src/features/schema";
import { PatternModel } from "../src/model/pattern-model";

/** A labelled stream as the protocol feeds it. */
export interface ProtocolStream {
  name: string;
  schema: FeatureSchema;
  X: Float64Array[];
  y: Label[];
  /** Where the taste changes abruptly (index of the first feedback after it); null when it does not. */
  changeAt: number | null;
  /** True when the concept never changes (the product must then match a full retrain). */
  stationary: boolean;
}

/** A version the product saved: the feedback seqs its new trees grew on. */
export interface SavedVersion {
  id: string;
  watermark: number;
  newSamples: number;
  /** After a change of taste: the most recent rows its new trees were limited to. */
  changeRows: number | null;
}

/** What one run of the product gave. */
export interface ProductRun {
  /** The model's answer to each feedback, before it was given. */
  proba: number[];
  versions: Map<string, SavedVersion>;
  /** Versions the product made live, with the number of feedback given when it did. */
  activations: Array<{ version: string; at: number }>;
  /** Alerts by type (warnings and errors only, as a household would be notified of them). */
  alerts: Record<string, number>;
  rejected: number;
  setAside: number;
}

/** Directory the runs' stores go in: memory-backed when the machine has one (the disk is not what is measured). */
const RUN_ROOT = process.platform === "linux" ? "/dev/shm" : tmpdir();

/** Feeds `labels` (the stream's, or altered ones) for the first `length` feedback; see the file comment. */
export async function feedProduct(
  stream: ProtocolStream,
  labels: readonly Label[],
  seed: number,
  length = labels.length,
): Promise<ProductRun> {
  const dir = await mkdtemp(path.join(RUN_ROOT, "pq-protocol-"));
  const model = await PatternModel.open({
    storeDir: dir,
    schema: { kind: "names", names: [...stream.schema.names] },
    forest: { seed },
    // Updates are timed elsewhere (learning section); here a slow machine must not add alerts.
    alerts: { updateBudgetMs: 600_000 },
  });
  const run: ProductRun = { proba: [], versions: new Map(), activations: [], alerts: {}, rejected: 0, setAside: 0 };
  model.on("update", (result: { version: string }) => {
    const entry = model.versions.get(result.version);
    run.versions.set(entry.id, {
      id: entry.id,
      watermark: entry.trainedOn.feedbackWatermark,
      newSamples: Number(entry.metrics.newSamples ?? 0),
      changeRows: typeof entry.metrics.changeRows === "number" ? entry.metrics.changeRows : null,
    });
  });
  model.on("activated", (event: { to: string; by: string }) => {
    if (event.by === "pattern-model") run.activations.push({ version: event.to, at: run.proba.length });
  });
  model.on("alert", (alert: { type: string; severity: string; details: Record<string, unknown> }) => {
    if (process.env.PQ_DEBUG)
      console.log(
        run.proba.length,
        alert.type,
        alert.severity,
        (alert as unknown as { message: string }).message.slice(0, 120),
        JSON.stringify(alert.details).slice(0, 200),
      );
    if (alert.severity !== "info") run.alerts[alert.type] = (run.alerts[alert.type] ?? 0) + 1;
    if (alert.type === "guardrail-rejected" && alert.severity === "warning") run.rejected++;
    if (alert.type === "burst-set-aside") run.setAside++;
  });
  const names = stream.schema.names;
  try {
    for (let i = 0; i < Math.min(length, labels.length); i++) {
      const x = stream.X[i] as Float64Array;
      const features: Record<string, number> = {};
      names.forEach((name, j) => {
        features[name] = x[j] as number;
      });
      run.proba.push(model.score(features, "features").score);
      await model.addFeedback([{ id: `f${i}`, patternId: `p${i}`, label: labels[i] as Label, features }]);
      await model.settled();
    }
  } finally {
    await model.close();
    await rm(dir, { recursive: true, force: true });
  }
  return run;
}

/** Share of answers right against `truth` over `[from, to)`. */
export function accuracyOf(proba: readonly number[], truth: readonly Label[], from = 0, to = proba.length): number {
  let correct = 0;
  for (let i = from; i < to; i++) if (((proba[i] as number) >= 0.5 ? 1 : 0) === truth[i]) correct++;
  return correct / Math.max(1, to - from);
}

/** True when a version whose new trees grew mostly on feedback `[first, last]` (log seqs) went live. */
export function grownOnLive(run: ProductRun, first: number, last: number): boolean {
  return run.activations.some(({ version }) => {
    const v = run.versions.get(version);
    if (!v || v.newSamples === 0) return false;
    const from = v.watermark - v.newSamples + 1;
    const overlap = Math.max(0, Math.min(last, v.watermark) - Math.max(first, from) + 1);
    return overlap >= v.newSamples / 2;
  });
}

/**
 * Feedback between a change (stream index `changeAt`, log seq changeAt + 1) and the first version
 * to go live whose new trees grew mostly on feedback after it: its new rows, or, when a change of
 * taste limited its new trees to the rows since it, those rows (null: none).
 */
export function liveAfterChange(run: ProductRun, changeAt: number): number | null {
  for (const { version, at } of run.activations) {
    const v = run.versions.get(version);
    if (!v || at <= changeAt) continue;
    const grownOn = v.changeRows ?? v.newSamples;
    if (v.watermark - changeAt >= Math.max(1, grownOn / 2)) return at - changeAt;
  }
  return null;
}

/**
 * Feedback after a change until the accuracy over the last 100 (all after the change) is back
 * within 2 points of the accuracy over the 500 before it; null if it never is (the learning
 * section's definition).
 */
export function recoveryAfter(proba: readonly number[], truth: readonly Label[], at: number): number | null {
  const window = 100;
  const right = proba.map((p, i) => ((p >= 0.5 ? 1 : 0) === truth[i] ? 1 : 0));
  const before = right.slice(Math.max(0, at - 500), at);
  const target = before.reduce((a: number, b) => a + b, 0) / before.length - 0.02;
  let sum = 0;
  for (let t = at; t < right.length; t++) {
    sum += right[t] as number;
    if (t - at >= window) sum -= right[t - window] as number;
    if (t - at + 1 >= window && sum / window >= target) return t - at + 1;
  }
  return null;
}
