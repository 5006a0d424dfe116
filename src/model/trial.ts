import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionEntry, VersionRegistry } from "../versions/registry";
import type { Activation } from "./activation";
import { type Alert, challengerBetterAlert, guardrailRejectedAlert, storeErrorAlert } from "./alerts";
import { Challenge, type ChallengeRules } from "./challenge";
import type { Verdict } from "./guardrail";
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
}

/** A saved version waiting for the trial before it to end. */
interface Waiting {
  entry: VersionEntry;
  learner: PatternLearner;
  against: string;
}

/**
 * The trials of new versions: each new version answers the next feedback beside the active one
 * and is promoted, kept back or rejected on that evidence (see the guardrail). One version is on
 * trial at a time. A newer one waits until that trial has its evidence (so a trial is never cut
 * short by the next update, whatever the update threshold); it replaces one that has it but is
 * kept on trial by a hold. Only the newest waits.
 */
export class Trials {
  private waiting: Waiting | null = null;

  constructor(private readonly context: TrialContext) {}

  private get rules(): ChallengeRules {
    const { guardrail } = this.context.settings;
    return { samples: guardrail.samples, maxDropPoints: guardrail.maxDropPoints };
  }

  /**
   * Puts a saved version on trial beside the active one. Its learner first learns online the
   * feedback it has not seen (what arrived while it trained), so from now on both answer the
   * same feedback. Returns the version whose running trial it waits for, or null.
   */
  async start(entry: VersionEntry, learner: PatternLearner, against: string): Promise<string | null> {
    const current = this.context.live.challenge;
    if (current && !current.solo && current.verdict().outcome === "undecided") {
      this.waiting = { entry, learner, against };
      return current.version;
    }
    await this.begin({ entry, learner, against });
    return null;
  }

  /** The version waiting for the running trial to end, if any. */
  get waitingVersion(): string | null {
    return this.waiting?.entry.id ?? null;
  }

  private async begin({ entry, learner, against }: Waiting): Promise<void> {
    const { live, log, memory } = this.context;
    const unseen = log.entries(entry.trainedOn.feedbackWatermark + 1);
    live.replayOnto(learner, unseen, (patternId) => memory.lookup(patternId));
    await this.replace(new Challenge(entry.id, learner, against, this.rules), entry.id);
  }

  /** After a trial ended: the waiting version's trial begins, if it was built on the version now live. */
  private async next(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting && waiting.against === this.context.registry.activeId && !this.context.live.challenge) {
      await this.begin(waiting);
    }
  }

  /** Starts judging the first version alone, as it answers its first feedback live. */
  async startAlone(version: string): Promise<void> {
    await this.replace(new Challenge(version, null, null, this.rules), version);
  }

  /**
   * After a restart: the newest version, built on the active one and not yet judged, goes on
   * trial again (its evidence starts afresh: the answers given before the restart are not kept).
   */
  async resumeAfterOpen(): Promise<void> {
    const { registry, live } = this.context;
    const active = registry.activeId;
    const newest = registry.list().at(-1);
    if (!active || !live.trained || !newest || newest.id === active) return;
    if (newest.parentId !== active || newest.evaluation !== null) return;
    let learner: PatternLearner;
    try {
      learner = PatternLearner.fromJSON(await registry.loadModel(newest.id));
    } catch (error) {
      // A damaged file of a version that is not live must not keep the model from opening: the
      // registry has set it aside; the next update brings a new version to try.
      this.context.alert(storeErrorAlert(`putting ${newest.id} on trial again`, error));
      return;
    }
    if (!live.schema || !learner.schema.equals(live.schema)) return;
    await this.start(newest, learner, active);
  }

  /** The trial running, if any, with the verdict so far. */
  current(): { version: string; against: string | null; verdict: Verdict; waiting: string | null } | null {
    const challenge = this.context.live.challenge;
    if (!challenge) return null;
    return {
      version: challenge.version,
      against: challenge.against,
      verdict: challenge.verdict(),
      waiting: this.waitingVersion,
    };
  }

  /**
   * Acts on the evidence after new feedback: a decided trial ends (its evaluation recorded) and
   * its version goes live when it may. While automatic activation is held until a better
   * version, a version that is only not worse stays on trial.
   */
  async settle(): Promise<void> {
    const { live, registry, settings } = this.context;
    const challenge = live.challenge;
    if (!challenge) return;
    const verdict = challenge.verdict();
    const hold = registry.hold;
    if (verdict.outcome === "undecided") return;
    if (verdict.outcome === "not-worse" && hold && !challenge.solo && settings.guardrail.holdUntil === "better") return;
    live.challenge = null;
    await this.record(challenge, challenge.solo ? "judged alone" : verdict.outcome);
    await this.act(challenge, verdict);
    await this.next();
  }

  /** Ends a trial that can no longer be decided, recording the evidence so far and why it ended. */
  async end(challenge: Challenge, outcome: string): Promise<void> {
    await this.record(challenge, outcome);
    await this.next();
  }

  /** What a decided trial leads to: nothing (judged alone), a rejection, a version kept back, or a promotion. */
  private async act(challenge: Challenge, verdict: Verdict): Promise<void> {
    if (challenge.solo) return;
    const hold = this.context.registry.hold;
    if (verdict.outcome === "worse") {
      this.context.alert(guardrailRejectedAlert(challenge.version, challenge.against, verdict));
      return;
    }
    if (hold && this.context.settings.guardrail.holdUntil === "resume") {
      if (verdict.outcome === "better") {
        this.context.alert(challengerBetterAlert(challenge.version, hold.version, false, verdict));
      }
      return;
    }
    const promoted = await this.promote(challenge, hold !== null);
    if (promoted && hold) this.context.alert(challengerBetterAlert(challenge.version, hold.version, true, verdict));
  }

  private async replace(challenge: Challenge, by: string): Promise<void> {
    const previous = this.context.live.challenge;
    this.context.live.challenge = challenge;
    if (previous) await this.record(previous, `superseded by ${by}`);
  }

  private async record(challenge: Challenge, outcome: string): Promise<void> {
    const evaluation = challenge.evaluation(outcome);
    if (evaluation) await this.context.registry.recordFigures(challenge.version, { evaluation });
  }

  /** Makes a challenger live, unless the active version changed meanwhile; a hold ends with it. */
  private async promote(challenge: Challenge, endsHold: boolean): Promise<boolean> {
    const { registry, activation, by } = this.context;
    const cause = { reason: "challenger promoted", by };
    return activation.exclusive(async () => {
      if (registry.activeId !== challenge.against) return false;
      const entry = await activation.point(challenge.version, cause, endsHold ? null : undefined);
      // The challenger learned every feedback since its trial began: nothing to replay.
      await activation.goLive(entry, challenge.learner as PatternLearner, challenge.against, cause, false);
      return true;
    });
  }
}
