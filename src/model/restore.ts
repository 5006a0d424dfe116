import { PatternQualityError } from "../errors";
import type { Features } from "../feedback/feedback";
import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionEntry, VersionRegistry } from "../versions/registry";
import { type Alert, monitorUnreadableAlert, storeErrorAlert, storeProblemAlert } from "./alerts";
import { readFeatures } from "./feedback-input";
import type { DashboardFeed } from "./dashboard-feed";
import { loadFeed } from "./feed-file";
import type { LiveLearning } from "./live-learning";
import { loadMonitor, MONITOR_FILE } from "./monitor-file";
import { OwnFigures } from "./own-figures";
import type { PatternMemory } from "./pattern-memory";
import { type KeptTrials, loadTrials } from "./trial-file";

/** What restoring a model on open reads from and reports to. */
export interface RestoreContext {
  storeDir: string;
  log: FeedbackLog;
  memory: PatternMemory;
  registry: VersionRegistry;
  live: LiveLearning;
  /** Who the product records as having switched versions by itself. */
  by: string;
  alert(alert: Alert): void;
}

/**
 * Brings a model back to where it was before a restart: the store's problems reported, the
 * feedback set aside kept out, the active version loaded (hash-verified, falling back to the last
 * good one), the training history replayed from the log, and the feedback after that version
 * learned online again. Returns the trials and the dashboard feed the store kept.
 */
export async function restore(context: RestoreContext): Promise<{ trials: KeptTrials | null; feed: DashboardFeed }> {
  const { log, memory, registry, live } = context;
  for (const problem of [...log.problems, ...memory.problems, ...registry.problems]) {
    context.alert(storeProblemAlert(problem));
  }
  const kept = await loadTrials(context.storeDir);
  if (kept.problem) context.alert(storeProblemAlert(kept.problem));
  live.setAside = kept.kept?.setAside ?? [];
  const active = await loadActive(context);
  if (active) {
    if (live.schema && !live.schema.equals(active.learner.schema)) {
      throw new PatternQualityError(
        "schema-mismatch",
        `the store ${context.storeDir} holds a model reading other features ` +
          `(${active.learner.schema.names.slice(0, 5).join(", ")}…) than the configured schema; ` +
          "use another store directory or the matching schema",
      );
    }
    live.adoptSchema(active.learner.schema);
    live.learner = active.learner;
    live.own = OwnFigures.of(active.entry);
  } else if (!live.schema) {
    const first = firstFeatures(log, memory);
    if (first) live.adoptSchema(readFeatures(first, null, "features", new Date()).schema);
  }
  const monitorSeq = await restoreMonitor(context);
  const watermark = active?.entry.trainedOn.feedbackWatermark ?? 0;
  const latest = Math.max(0, ...registry.list().map((v) => v.trainedOn.feedbackWatermark));
  // Feedback set aside (a burst that passed) is neither trained on nor learned online again: after
  // a restart it is not in the history at all, so its ranges there are empty.
  const aside = live.setAside.map((range) => ({ ...range, fromRow: -1, toRow: -1 }));
  live.setAside = aside;
  for (const record of log.entries()) {
    live.learnedSeq = record.seq;
    const range = aside.find((r) => record.seq >= r.fromSeq && record.seq < r.toSeq);
    if (range) {
      range.fromRow = range.toRow = live.history?.endSeq ?? 0;
      continue;
    }
    const features = record.features ?? memory.lookup(record.patternId);
    if (!features || !live.history || !live.learner) continue;
    const x = live.vectorOrNull(features);
    if (!x) continue;
    if (record.seq <= latest) live.claimedSeq = live.history.endSeq + 1;
    if (record.seq <= watermark) live.history.add(x, record.label);
    // Replayed: a drift the detector finds here was found before the restart (its burst is not reopened).
    else if (record.seq > monitorSeq) live.learnVector(x, record.label, record.seq);
    else {
      // Already counted by the saved monitor: learn it without predicting it again.
      live.learner.learnOne(x, record.label);
      live.history.add(x, record.label);
    }
  }
  for (const range of aside) if (range.fromRow < 0) range.fromRow = range.toRow = live.history?.endSeq ?? 0;
  // Parked feedback whose pattern became known was learned by the replay above.
  memory.forgetLearnedParked();
  const feed = await loadFeed(context.storeDir);
  if (feed.problem) context.alert(storeProblemAlert(feed.problem));
  return { trials: kept.kept, feed: feed.feed };
}

/** Restores the saved monitor; returns the last feedback seq it had seen (0 without one). */
async function restoreMonitor(context: RestoreContext): Promise<number> {
  try {
    const { saved, problem } = await loadMonitor(context.storeDir, context.log.watermark);
    // A damaged file was set aside, like the store's other files; reported the same way.
    if (problem) context.alert(storeProblemAlert(problem));
    if (!saved) return 0;
    context.live.monitor = saved.monitor;
    return saved.seq;
  } catch (error) {
    // Only the live metrics are lost: they restart from the feedback after the active version.
    context.alert(monitorUnreadableAlert(MONITOR_FILE, error));
    return 0;
  }
}

/**
 * The active version's learner. A model file that fails verification is set aside by the
 * registry, which activates the last good version; that one is loaded instead (and so on).
 */
async function loadActive(context: RestoreContext): Promise<{ entry: VersionEntry; learner: PatternLearner } | null> {
  const { registry } = context;
  const tried = new Set<string>();
  for (;;) {
    let id = registry.activeId;
    if (id === null) return null;
    if (tried.has(id)) {
      // The registry kept a version active whose model we cannot use: fall back to the newest other one.
      const next = registry
        .list()
        .reverse()
        .find((v) => !tried.has(v.id));
      if (!next) return null;
      await registry.activate(next.id, { reason: `fallback: ${id} could not be loaded`, by: context.by });
      id = next.id;
    }
    tried.add(id);
    try {
      const learner = PatternLearner.fromJSON(await registry.loadModel(id));
      return { entry: registry.get(id), learner };
    } catch (error) {
      context.alert(storeErrorAlert(`loading the active version ${id}`, error));
    }
  }
}

function firstFeatures(log: FeedbackLog, memory: PatternMemory): Features | undefined {
  for (const record of log.entries()) {
    const features = record.features ?? memory.lookup(record.patternId);
    if (features) return features;
  }
  return undefined;
}
