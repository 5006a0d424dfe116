import { InvalidInputError } from "../errors";
import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import type { VersionEntry, VersionRegistry } from "../versions/registry";
import type { LiveLearning } from "./live-learning";
import type { PatternMemory } from "./pattern-memory";

/** A switch of the live model, emitted as "activated". */
export interface ActivationEvent {
  from: string | null;
  to: string;
  reason: string;
  by: string;
}

/** Who switched and why, as the activation log records it. */
export interface SwitchCause {
  reason: string;
  by: string;
}

/**
 * Switches the live model between versions: by a person (activate, rollback) or by an update.
 * Switches run one after another in the order asked; a person's request is counted at once, so
 * an update that is running meanwhile does not override it.
 */
export class Activation {
  /** Counts activate/rollback calls, so an update running meanwhile does not override them. */
  private requests = 0;
  /** Activations (by hand or by an update) run one after another, in the order asked. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: VersionRegistry,
    private readonly live: LiveLearning,
    private readonly log: FeedbackLog,
    private readonly memory: PatternMemory,
    private readonly activated: (event: ActivationEvent) => void,
  ) {}

  /** The number of switches people asked for so far (an update compares it before and after). */
  get personRequests(): number {
    return this.requests;
  }

  /** Activates the version `target()` names (read when its turn comes) for a person. */
  byPerson(target: () => string, cause: SwitchCause): Promise<VersionEntry> {
    this.requests++;
    return this.exclusive(() => this.switchTo(target(), cause));
  }

  /** Runs `operation` when the switches asked before it are done. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /**
   * Makes `learner` (the model of `entry`) live, after replaying online the feedback it has not
   * seen (a full retrain has not seen what was learned online while it ran).
   */
  goLive(entry: VersionEntry, learner: PatternLearner, from: string | null, cause: SwitchCause, replay = true): void {
    if (replay) {
      const unseen = this.log.entries(entry.trainedOn.feedbackWatermark + 1);
      this.live.replayOnto(learner, unseen, (patternId) => this.memory.lookup(patternId));
    }
    this.live.goLive(learner);
    this.activated({ from, to: entry.id, reason: cause.reason, by: cause.by });
  }

  private async switchTo(id: string, cause: SwitchCause): Promise<VersionEntry> {
    const entry = this.registry.get(id);
    const learner = PatternLearner.fromJSON(await this.registry.loadModel(id));
    if (this.live.schema && !learner.schema.equals(this.live.schema)) {
      throw new InvalidInputError(
        "id",
        `version ${id} reads other features than the live model; it cannot be activated here`,
      );
    }
    const from = this.registry.activeId;
    const activated = await this.registry.activate(id, cause);
    this.live.adoptSchema(learner.schema);
    this.goLive(entry, learner, from, cause);
    return activated;
  }
}
