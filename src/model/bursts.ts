import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionRegistry } from "../versions/registry";
import { type Alert, burstAlert, storeErrorAlert } from "./alerts";
import { Burst, type SetAside } from "./burst";
import type { Challenge } from "./challenge";
import type { LiveLearning } from "./live-learning";
import type { PatternMemory } from "./pattern-memory";
import type { ResolvedSettings } from "./settings";
import type { Trials } from "./trial";

/** What watching bursts reads, rebuilds and reports to. */
export interface BurstContext {
  settings: ResolvedSettings;
  live: LiveLearning;
  registry: VersionRegistry;
  log: FeedbackLog;
  memory: PatternMemory;
  trials: Trials;
  alert(alert: Alert): void;
  /** Keeps the ranges set aside in the store. */
  save(): Promise<void>;
  /** A change of taste was confirmed: an update should start. */
  changeConfirmed(): void;
}

/**
 * Treats every rise of the error rate as provisional (see Burst): opens a burst with its frozen
 * reference when the drift detector fires, and acts when the burst is resolved. A burst that
 * passed is set aside: the change point is cleared (later updates do not train from it), its
 * rows are never trained on again, and the live model and the trials that learned them online
 * are rebuilt without them from their version files, so the online updates are taken back.
 */
export class BurstWatch {
  /** Sources whose burst is being opened (its reference is being rebuilt). */
  private readonly opening = new Map<string, Promise<void>>();

  constructor(private readonly context: BurstContext) {}

  /**
   * An error rate rose: the live model's (the drift detector), or a version on trial's (its own
   * detector: after a change of taste the version that learned it is the one a new burst shows
   * in). A burst opens, unless one is open for the same source; true when one does.
   */
  open(challenge: Challenge | null = null): boolean {
    const { live, registry } = this.context;
    const source = challenge?.version ?? "live";
    if (challenge) challenge.alarm = false;
    if (this.opening.has(source) || live.bursts.some((b) => b.source === source && b.state === "open")) return false;
    if (!live.trained || !registry.activeId) return false;
    // After a confirmed change of taste the live model is known to be out of date until a version
    // that learned it goes live: its errors say nothing new (the versions on trial watch for bursts).
    const active = registry.activeId;
    if (!challenge && registry.get(active).trainedOn.feedbackWatermark < live.confirmedAtSeq) return false;
    const opening = this.build(challenge)
      .catch((error: unknown) => this.context.alert(storeErrorAlert("building the reference of a burst", error)))
      .finally(() => this.opening.delete(source));
    this.opening.set(source, opening);
    return true;
  }

  /** True while a burst's reference is being built. */
  get busy(): boolean {
    return this.opening.size > 0;
  }

  /** Resolves once the bursts being opened have their reference. */
  async idle(): Promise<void> {
    await Promise.all(this.opening.values());
  }

  /** Acts on the bursts the latest feedback resolved. */
  async settle(): Promise<void> {
    const { live, trials, registry } = this.context;
    for (const burst of live.bursts.filter((b) => b.state !== "open")) {
      live.bursts = live.bursts.filter((b) => b !== burst);
      if (burst.state === "passed") {
        await this.passed(burst);
        continue;
      }
      // A change of taste (versions grown on it may now go live) or a false alarm (nothing changed).
      if (burst.state === "noise" && live.change && live.change.seq >= burst.fromRow - 64) live.change = null;
      if (burst.state === "confirmed") await this.confirmed(burst);
      if (!live.burstOpen) trials.burstEnded();
      // A false alarm is for the record only; drift alerts can be turned off.
      if (burst.state === "confirmed" && this.context.settings.alerts.drift) {
        this.context.alert(
          burstAlert(registry.activeId, "confirmed", burst.length, burst.referenceError, burst.usualError, null),
        );
      }
    }
  }

  /**
   * A change of taste is confirmed: the next update regrows part of the forest on the rows since
   * it (they are many more now than when the detector fired), and starts at once.
   */
  private async confirmed(burst: Burst): Promise<void> {
    const { live, trials } = this.context;
    live.change = { seq: burst.fromRow, fresh: true, count: (live.change?.count ?? 0) + 1 };
    live.confirmedAtSeq = live.learnedSeq;
    live.confirmedFromRow = burst.fromRow;
    await trials.changeConfirmed(burst.fromSeq);
    this.context.changeConfirmed();
  }

  private async build(challenge: Challenge | null): Promise<void> {
    const { live, registry, settings } = this.context;
    const active = registry.activeId as string;
    const recent = challenge ? challenge.recent : live.recent;
    const window = challenge ? challenge.windowSinceRise : live.riseWindow;
    // A rise is looked for after the last burst began: an earlier change is that burst's, not this one's.
    const start = Burst.startOf(recent, window, live.lastBurstRow + 1);
    const first = recent[start];
    const history = live.history;
    if (!first || !history || first.seq === null) return;
    // One rise, one burst: the version on trial that errs with the live model adds nothing.
    if (live.bursts.some((b) => b.state === "open" && Math.abs(b.fromRow - first.row) < 64)) return;
    const id = challenge?.version ?? active;
    const watermark = challenge?.watermark ?? registry.get(active).trainedOn.feedbackWatermark;
    const reference = await this.rebuild(id, watermark, first.seq);
    if (!reference) return;
    if (!challenge && registry.activeId !== active) return;
    if (live.bursts.some((b) => b.state === "open" && Math.abs(b.fromRow - first.row) < 64)) return;
    const burst = new Burst(
      challenge?.version ?? "live",
      first.row,
      first.seq,
      recent.slice(0, start),
      settings.guardrail.confirmChange,
      reference,
    );
    // The reference answers the burst's feedback so far, from the history, then every new one as it comes.
    const rows = history.slice(first.row);
    const seqOf = new Map(recent.map((a) => [a.row, a.seq]));
    for (let i = 0; i < rows.n; i++) {
      const x = rows.X.subarray(i * rows.d, (i + 1) * rows.d);
      burst.record((reference.predictProba(x) >= 0.5 ? 1 : 0) !== rows.y[i], seqOf.get(first.row + i) ?? null);
    }
    burst.alarmed();
    live.bursts.push(burst);
    live.lastBurstRow = Math.max(live.lastBurstRow, burst.fromRow);
    await this.settle();
  }

  /** The burst passed: its rows set aside, the change cleared, and what learned them online rebuilt. */
  private async passed(burst: Burst): Promise<void> {
    const { live, registry, trials } = this.context;
    const toRow = burst.passedAtRow ?? burst.fromRow + burst.length;
    const toSeq = live.recent.find((a) => a.row >= toRow && a.seq !== null)?.seq ?? live.learnedSeq + 1;
    const range: SetAside = {
      fromSeq: burst.fromSeq,
      toSeq,
      fromRow: burst.fromRow,
      toRow,
      reason: `a burst of ${toRow - burst.fromRow} answers unlike the household's usual ones, which passed`,
    };
    live.setAside.push(range);
    live.change = null;
    const going = await trials.burstPassed(range);
    const active = registry.activeId;
    if (active) {
      const rebuilt = await this.rebuild(active, registry.get(active).trainedOn.feedbackWatermark);
      if (rebuilt && registry.activeId === active && live.learner) live.learner = rebuilt;
    }
    for (const challenge of going) {
      const rebuilt = await this.rebuild(challenge.version, challenge.watermark);
      if (rebuilt && challenge.learner) challenge.learner = rebuilt;
    }
    this.context.alert(burstAlert(active, "passed", burst.length, burst.referenceError, burst.usualError, range));
    await this.context.save();
  }

  /**
   * A version's learner as it stands when it has learned online the feedback after `watermark`
   * (up to `untilSeq`, exclusive, else all learned so far) but the feedback set aside. Null when
   * its file cannot be loaded (reported).
   */
  private async rebuild(
    id: string,
    watermark: number,
    untilSeq = Number.POSITIVE_INFINITY,
  ): Promise<PatternLearner | null> {
    const { live, registry, log, memory } = this.context;
    let learner: PatternLearner;
    try {
      learner = PatternLearner.fromJSON(await registry.loadModel(id));
    } catch (error) {
      this.context.alert(storeErrorAlert(`rebuilding ${id} without the feedback set aside`, error));
      return null;
    }
    // After the await: up to what has been learned now, so the rebuilt learner replaces the old one in step.
    const until = Math.min(untilSeq, live.learnedSeq + 1);
    const records = [...log.entries(watermark + 1)].filter((r) => r.seq < until);
    live.replayOnto(learner, records, (patternId) => memory.lookup(patternId));
    return learner;
  }
}
