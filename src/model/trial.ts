import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionEntry, VersionRegistry } from "../versions/registry";
import type { Activation } from "./activation";
import { type Alert, challengerBetterAlert, guardrailRejectedAlert, storeErrorAlert } from "./alerts";
import type { SetAside } from "./burst";
import { Challenge } from "./challenge";
import type { JudgingRules, Verdict } from "./guardrail";
import type { LiveLearning } from "./live-learning";
import type { PatternMemory } from "./pattern-memory";
import type { ResolvedSettings } from "./settings";

/** What the trials of new versions read, switch and report to. */
export interface TrialContext {
  settings: ResolvedSettings;
  live: LiveLearning;
  registry: VersionRegistry;
  activation: Activation;
  log: FeedbackLog;
  memory: PatternMemory;
  /** Who the activation log records for a version the product activates. */
  by: string;
  alert(alert: Alert): void;
  /** Keeps the running trials' evidence in the store (see TrialFile). */
  save(): Promise<void>;
}

/** The trial running and the one waiting, as metrics() shows them. */
export interface TrialView {
  version: string;
  against: string | null;
  verdict: Verdict;
  /** The newer version waiting for this trial to end (it answers the same feedback meanwhile). */
  waiting: string | null;
  waitingVerdict: Verdict | null;
  /** Why a decided trial has not acted yet (a burst of answers still open), or null. */
  waitingFor: string | null;
}

/**
 * The trials of new versions: each new version answers the next feedback beside the active one
 * and is promoted, kept back or rejected on that evidence (see the guardrail). One version is
 * judged at a time; a newer one waits, answering the same feedback meanwhile, so when its turn
 * comes its evidence is there. When the running trial promotes its version, the waiting one (built
 * beside the version that is no longer live) is recorded as superseded by it; a newer version
 * coming while one waits supersedes that one. Nothing is dropped without a verdict saying why.
 */
export class Trials {
  constructor(private readonly context: TrialContext) {}

  /** How trials are judged, from the settings. */
  get rules(): JudgingRules {
    const { guardrail } = this.context.settings;
    return { samples: guardrail.samples, maxDropPoints: guardrail.maxDropPoints, maxSamples: guardrail.maxSamples };
  }

  /**
   * Puts a saved version on trial beside the active one. Its learner first learns online the
   * feedback it has not seen (what arrived while it trained), so from now on both answer the
   * same feedback. Returns the version whose running trial it waits for, or null.
   */
  async start(entry: VersionEntry, learner: PatternLearner, against: string): Promise<string | null> {
    const { live, log, memory } = this.context;
    const unseen = log.entries(entry.trainedOn.feedbackWatermark + 1);
    live.replayOnto(learner, unseen, (patternId) => memory.lookup(patternId));
    const challenge = new Challenge(entry.id, learner, against, entry.trainedOn.feedbackWatermark, this.rules);
    const current = live.challenge;
    // One not worse but kept on trial by a hold (only a better one ends it) gives way to the newer one.
    if (current && !current.solo && !current.decided && this.heldBack(current)) {
      live.challenge = challenge;
      await this.record(
        current,
        `superseded by ${entry.id}: not worse, but not better while automatic updates were held`,
      );
      await this.context.save();
      return null;
    }
    // A decided trial still running is being acted on (its version going live): the new one waits.
    if (current && !current.solo) {
      const superseded = live.waiting;
      live.waiting = challenge;
      if (superseded) await this.record(superseded, `superseded by ${entry.id}, a newer version, while it waited`);
      await this.context.save();
      return current.version;
    }
    const previous = live.challenge;
    live.challenge = challenge;
    if (previous) await this.record(previous, `superseded by ${entry.id}`);
    await this.context.save();
    return null;
  }

  /** Starts judging the first version alone, as it answers its first feedback live. */
  async startAlone(version: string): Promise<void> {
    const { live } = this.context;
    const previous = live.challenge;
    live.challenge = new Challenge(version, null, null, 0, this.rules);
    if (previous) await this.record(previous, `superseded by ${version}`);
  }

  /** The trial running, if any, with the verdict so far. */
  current(): TrialView | null {
    const { live } = this.context;
    const challenge = live.challenge;
    if (!challenge) return null;
    return {
      version: challenge.version,
      against: challenge.against,
      verdict: challenge.verdict(),
      waiting: live.waiting?.version ?? null,
      waitingVerdict: live.waiting?.verdict() ?? null,
      waitingFor: this.gated(challenge)
        ? "a burst of answers the live model got wrong: a change of taste or not"
        : null,
    };
  }

  /**
   * Acts on the evidence after new feedback: a decided trial ends (its evaluation recorded) and
   * its version goes live when it may. A version that learned answers of a burst still open waits
   * until the burst is known to be a change of taste. While automatic activation is held until a
   * better version, a version that is only not worse stays on trial.
   */
  async settle(): Promise<void> {
    const { live, registry, settings } = this.context;
    await this.overtake();
    const challenge = live.challenge;
    if (!challenge || challenge.decided) return;
    const verdict = challenge.verdict();
    if (verdict.outcome === "undecided") return;
    const promotes = verdict.outcome === "better" || verdict.outcome === "not-worse";
    if (promotes && this.gated(challenge)) return;
    const hold = registry.hold;
    if (verdict.outcome === "not-worse" && hold && !challenge.solo && settings.guardrail.holdUntil === "better") return;
    // Decided: no more evidence, but it keeps learning until it is live or set aside (feedback during a promotion).
    challenge.decided = true;
    await this.record(challenge, challenge.solo ? "judged alone" : verdict.outcome);
    await this.act(challenge, verdict);
    if (live.challenge === challenge) live.challenge = null;
    await this.next();
  }

  /**
   * The waiting version proved better than the active one (on the same feedback as the running
   * trial) while the running one is undecided or only not worse: it takes the running one's place,
   * which is recorded as superseded. Waiting its turn is for versions that are only as good: an
   * undecided trial of a version of 1 new row kept one that learned a change of taste waiting for
   * 300 feedback (household, seed 6).
   */
  private async overtake(): Promise<void> {
    const { live } = this.context;
    const running = live.challenge;
    const waiting = live.waiting;
    if (!running || !waiting || running.solo || running.decided || waiting.against !== running.against) return;
    const runningOutcome = running.verdict().outcome;
    if (!["undecided", "not-worse"].includes(runningOutcome) || waiting.verdict().outcome !== "better") return;
    live.challenge = waiting;
    live.waiting = null;
    await this.record(running, `superseded by ${waiting.version}, which proved better first`);
    await this.context.save();
  }

  /** Ends a trial that can no longer be decided, recording the evidence so far and why it ended. */
  async end(challenge: Challenge, outcome: string): Promise<void> {
    const { live } = this.context;
    if (live.challenge === challenge) live.challenge = null;
    if (live.waiting === challenge) live.waiting = null;
    await this.record(challenge, outcome);
    await this.next();
  }

  /** Every trial ends, the running and the waiting one (a person switched versions). */
  async endAll(outcome: string): Promise<void> {
    const { live } = this.context;
    const ended = [live.challenge, live.waiting].filter((c): c is Challenge => c !== null);
    live.challenge = null;
    live.waiting = null;
    for (const challenge of ended) await this.record(challenge, outcome);
    await this.context.save();
  }

  /**
   * A burst passed and its answers were set aside: a version that learned any of them in training
   * is rejected; the others lose the answers to them from their evidence (their learners are
   * rebuilt without them by the caller). Returns the trials that go on.
   */
  async burstPassed(range: SetAside): Promise<Challenge[]> {
    const { live } = this.context;
    const going: Challenge[] = [];
    for (const challenge of [live.challenge, live.waiting]) {
      if (!challenge || challenge.solo) continue;
      if (challenge.watermark >= range.fromSeq) {
        const outcome = `rejected: it learned ${range.toSeq - range.fromSeq} answers set aside (${range.reason})`;
        this.context.alert(
          guardrailRejectedAlert(challenge.version, challenge.against, {
            message: `it learned answers that were set aside (${range.reason})`,
          }),
        );
        await this.end(challenge, outcome);
      } else {
        challenge.setAside(range.fromSeq, range.toSeq);
        challenge.dropReference();
        going.push(challenge);
      }
    }
    return going;
  }

  /**
   * A change of taste beginning at feedback `fromSeq` is confirmed: a running trial of a version
   * that learned nothing of it yields to the waiting one that did (with its evidence so far), so
   * the change goes live without waiting for the older trial's limit.
   */
  async changeConfirmed(fromSeq: number): Promise<void> {
    const { live } = this.context;
    const running = live.challenge;
    const waiting = live.waiting;
    if (!running || running.solo || running.decided || !waiting) return;
    if (running.watermark >= fromSeq || waiting.watermark < fromSeq) return;
    live.challenge = waiting;
    live.waiting = null;
    await this.record(running, `superseded by ${waiting.version}, which learned the change of taste`);
    await this.context.save();
  }

  /** The burst ended otherwise (a change of taste, or a false alarm): its reference is no opponent any more. */
  burstEnded(): void {
    this.context.live.challenge?.dropReference();
    this.context.live.waiting?.dropReference();
  }

  /** True when the challenger is not worse but stays on trial because a hold waits for a better one. */
  private heldBack(challenge: Challenge): boolean {
    const { registry, settings } = this.context;
    const held = registry.hold !== null && settings.guardrail.holdUntil === "better";
    return held && challenge.verdict().outcome === "not-worse";
  }

  /**
   * True while a burst is open: no version goes live until it is known to be a change of taste or a
   * passing burst, as its evidence (and its learner, online) may hold answers that will be set aside.
   */
  private gated(challenge: Challenge): boolean {
    return !challenge.solo && this.context.live.burstOpen;
  }

  /**
   * After a trial ended: the waiting version's trial goes on, with its evidence when it was judged
   * beside the version still live, afresh beside the new one when the ended trial promoted its own.
   */
  private async next(): Promise<void> {
    const { live, registry } = this.context;
    const waiting = live.waiting;
    if (waiting && !live.challenge) {
      live.waiting = null;
      live.challenge = waiting;
      // Built beside a version that is no longer live: judged beside the one that is, afresh.
      if (waiting.against !== registry.activeId && registry.activeId) waiting.rebase(registry.activeId);
    }
    await this.context.save();
  }

  /** What a decided trial leads to: nothing (judged alone), a rejection, a version kept back, or a promotion. */
  private async act(challenge: Challenge, verdict: Verdict): Promise<boolean> {
    if (challenge.solo) return false;
    const hold = this.context.registry.hold;
    if (verdict.outcome === "worse" || verdict.outcome === "unproven") {
      this.context.alert(guardrailRejectedAlert(challenge.version, challenge.against, verdict));
      return false;
    }
    if (hold && this.context.settings.guardrail.holdUntil === "resume") {
      if (verdict.outcome === "better") {
        this.context.alert(challengerBetterAlert(challenge.version, hold, false, verdict));
      }
      return false;
    }
    const promoted = await this.promote(challenge, hold !== null);
    if (promoted && hold) this.context.alert(challengerBetterAlert(challenge.version, hold, true, verdict));
    return promoted;
  }

  private async record(challenge: Challenge, outcome: string): Promise<void> {
    const evaluation = challenge.evaluation(outcome);
    if (evaluation) await this.context.registry.recordFigures(challenge.version, { evaluation });
  }

  /** Makes a challenger live, unless the active version changed meanwhile; a hold ends with it. */
  private async promote(challenge: Challenge, endsHold: boolean): Promise<boolean> {
    const { registry, activation, by } = this.context;
    const hold = registry.hold;
    const cause = {
      reason:
        endsHold && hold
          ? `challenger promoted: ended the hold set by ${hold.by} at ${hold.version}`
          : "challenger promoted",
      by,
    };
    return activation.exclusive(async () => {
      if (registry.activeId !== challenge.against) return false;
      const entry = await activation.point(challenge.version, cause, endsHold ? null : undefined);
      // The challenger learned every feedback since its trial began (also while it was promoted): nothing to replay.
      await activation.goLive(entry, challenge.learner as PatternLearner, challenge.against, cause, false);
      return true;
    });
  }

  /**
   * After a restart: the trials the store kept go on with their evidence; without a kept trial,
   * the newest version built beside the active one and not yet judged goes on trial afresh.
   */
  async resume(kept: { running: unknown; waiting: unknown } | null): Promise<void> {
    const { registry, live } = this.context;
    const active = registry.activeId;
    if (!active || !live.trained) return;
    for (const [slot, json] of [
      ["challenge", kept?.running],
      ["waiting", kept?.waiting],
    ] as const) {
      const restored = await this.restoreOne(json, active);
      if (restored) live[slot] = restored;
    }
    if (!live.challenge && live.waiting) {
      live.challenge = live.waiting;
      live.waiting = null;
    }
    if (live.challenge) return;
    const newest = registry.list().at(-1);
    if (!newest || newest.id === active || newest.parentId !== active || newest.evaluation !== null) return;
    const learner = await this.load(newest.id);
    if (learner) await this.start(newest, learner, active);
  }

  private async restoreOne(json: unknown, active: string): Promise<Challenge | null> {
    const kept = json as
      | { version?: unknown; against?: unknown; vsActive?: unknown; alone?: unknown }
      | null
      | undefined;
    // The first version judged alone: the live model answers for it, so its figures go on as they were.
    if (kept?.alone && kept.against === null && kept.version === active) {
      const judged = this.context.registry.get(active).evaluation !== null;
      return judged ? null : Challenge.restoreAlone(kept as Parameters<typeof Challenge.restoreAlone>[0], this.rules);
    }
    if (!kept || typeof kept.version !== "string" || kept.against !== active || !Array.isArray(kept.vsActive)) {
      return null;
    }
    const { registry, live, log, memory } = this.context;
    let entry: VersionEntry;
    try {
      entry = registry.get(kept.version);
    } catch {
      return null;
    }
    if (entry.evaluation !== null) return null;
    const learner = await this.load(entry.id);
    if (!learner) return null;
    live.replayOnto(learner, log.entries(entry.trainedOn.feedbackWatermark + 1), (id) => memory.lookup(id));
    return Challenge.restore(
      kept as Parameters<typeof Challenge.restore>[0],
      learner,
      entry.trainedOn.feedbackWatermark,
      this.rules,
    );
  }

  /** A saved version's learner, or null (with a store-error alert) when it cannot be used here. */
  private async load(id: string): Promise<PatternLearner | null> {
    const { registry, live } = this.context;
    try {
      const learner = PatternLearner.fromJSON(await registry.loadModel(id));
      return live.schema && learner.schema.equals(live.schema) ? learner : null;
    } catch (error) {
      // A damaged file of a version that is not live must not keep the model from opening: the
      // registry has set it aside; the next update brings a new version to try.
      this.context.alert(storeErrorAlert(`putting ${id} on trial again`, error));
      return null;
    }
  }
}
