import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionRegistry } from "../versions/registry";
import { type Alert, burstAlert, storeErrorAlert } from "./alerts";
import { Burst, type SetAside } from "./burst";
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
}

/**
 * Treats every rise of the error rate as provisional (see Burst): opens a burst with its frozen
 * reference when the drift detector fires, and acts when the burst is resolved. A burst that
 * passed is set aside: the change point is cleared (later updates do not train from it), its
 * rows are never trained on again, and the live model and the trials that learned them online
 * are rebuilt without them from their version files, so the online updates are taken back.
 */
export class BurstWatch {
  private opening: Promise<void> | null = null;

  constructor(private readonly context: BurstContext) {}

  /** The drift detector found the error rising: a burst opens (unless one is open or opening). */
  open(): void {
    const { live, registry } = this.context;
    if (live.burst || this.opening || !live.trained || !registry.activeId) return;
    this.opening = this.build()
      .catch((error: unknown) => this.context.alert(storeErrorAlert("building the reference of a burst", error)))
      .finally(() => {
        this.opening = null;
      });
  }

  /** True while a burst's reference is being built. */
  get busy(): boolean {
    return this.opening !== null;
  }

  /** Resolves once a burst being opened has its reference. */
  async idle(): Promise<void> {
    await this.opening;
  }

  /** Acts on a burst the latest feedback resolved. */
  async settle(): Promise<void> {
    const { live, trials, registry } = this.context;
    const burst = live.burst;
    if (!burst || burst.state === "open") return;
    live.burst = null;
    if (burst.state === "passed") {
      await this.passed(burst);
      return;
    }
    // A change of taste (versions grown on it may now go live) or a false alarm (nothing changed).
    if (burst.state === "noise") live.change = null;
    trials.burstEnded();
    // A false alarm is for the record only; drift alerts can be turned off.
    if (burst.state === "confirmed" && this.context.settings.alerts.drift) {
      this.context.alert(
        burstAlert(registry.activeId, "confirmed", burst.length, burst.referenceError, burst.usualError, null),
      );
    }
  }

  private async build(): Promise<void> {
    const { live, registry, settings } = this.context;
    const active = registry.activeId as string;
    const window = live.monitor.samplesSinceChange;
    const start = Burst.startOf(live.recent, window);
    const first = live.recent[start];
    const history = live.history;
    if (!first || !history || first.seq === null) return;
    const entry = registry.get(active);
    const reference = await this.rebuild(active, entry.trainedOn.feedbackWatermark, first.seq);
    if (!reference || live.burst || registry.activeId !== active) return;
    const burst = new Burst(
      first.row,
      first.seq,
      live.recent.slice(0, start),
      settings.guardrail.confirmChange,
      reference,
    );
    // The reference answers the burst's feedback so far, from the history, then every new one as it comes.
    const rows = history.slice(first.row);
    for (let i = 0; i < rows.n; i++) {
      const x = rows.X.subarray(i * rows.d, (i + 1) * rows.d);
      burst.record((reference.predictProba(x) >= 0.5 ? 1 : 0) !== rows.y[i]);
    }
    live.burst = burst;
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
