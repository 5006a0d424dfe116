import { InvalidInputError } from "../errors";
import type { FeedbackLog } from "../feedback/log";
import { PatternLearner } from "../learning/learner";
import { type HoldState, holdAt, type VersionEntry, type VersionRegistry } from "../versions/registry";
import type { LiveLearning } from "./live-learning";
import { OwnFigures } from "./own-figures";
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
 * Switches the live model between versions: by a person (activate, rollback), which holds
 * automatic activation until they resume (or a challenger proves better), or by the product
 * (the first version, a promoted challenger). Switches run one after another in the order asked.
 */
export class Activation {
  /** Switches people made so far (an update compares it before and after it trains). */
  private switches = 0;
  /** Activations (by hand or by an update) run one after another, in the order asked. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: VersionRegistry,
    private readonly live: LiveLearning,
    private readonly log: FeedbackLog,
    private readonly memory: PatternMemory,
    private readonly activated: (event: ActivationEvent) => void,
    /** Ends the trials that can no longer be decided (recording why). */
    private readonly endTrials: (outcome: string) => Promise<void>,
  ) {}

  /** The number of switches people made so far (an update compares it before and after). */
  get personSwitches(): number {
    return this.switches;
  }

  /**
   * Activates the version `target()` names (read when its turn comes) for a person, and holds
   * automatic activation there. A challenge running meanwhile ends (its figures so far recorded).
   */
  byPerson(target: () => string, cause: SwitchCause): Promise<VersionEntry> {
    return this.exclusive(async () => {
      const id = target();
      const entry = await this.switchTo(id, cause, holdAt(id, cause));
      this.switches++;
      if (this.live.challenge || this.live.waiting) {
        await this.endTrials(`interrupted: ${id} was activated by ${cause.by}`);
      }
      return entry;
    });
  }

  /** Ends the hold a person's switch set, after the switches asked before; InvalidInputError("hold") when nothing is held. */
  resume(): Promise<HoldState> {
    return this.exclusive(async () => {
      const hold = this.registry.hold;
      if (!hold) throw new InvalidInputError("hold", "nothing is held: automatic activation is already on");
      await this.registry.clearHold();
      return hold;
    });
  }

  /** Runs `operation` when the switches asked before it are done. */
  exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /**
   * Moves the registry's active pointer to `id` (with the hold given, see VersionRegistry.activate),
   * after writing the outgoing version's own figures, so whoever reads the registry once the
   * pointer moved finds them there. goLive() then makes the new learner live.
   */
  async point(id: string, cause: SwitchCause, hold?: HoldState | null): Promise<VersionEntry> {
    const outgoing = this.live.own;
    if (outgoing && outgoing.version !== id) {
      await this.registry.recordFigures(outgoing.version, { live: outgoing.leave() });
    }
    return this.registry.activate(id, cause, hold);
  }

  /**
   * Makes `learner` (the model of `entry`) live, after replaying online the feedback it has not
   * seen when `replay` (a full retrain has not seen what was learned online while it ran).
   */
  async goLive(
    entry: VersionEntry,
    learner: PatternLearner,
    from: string | null,
    cause: SwitchCause,
    replay = true,
  ): Promise<void> {
    if (replay) {
      const unseen = this.log.entries(entry.trainedOn.feedbackWatermark + 1);
      this.live.replayOnto(learner, unseen, (patternId) => this.memory.lookup(patternId));
    }
    const outgoing = this.live.own;
    const staying = outgoing?.version === entry.id;
    this.live.goLive(learner, outgoing && staying ? outgoing : OwnFigures.of(entry));
    this.activated({ from, to: entry.id, reason: cause.reason, by: cause.by });
    // Feedback answered between point() and now still counts for the outgoing version.
    if (outgoing && !staying && outgoing.answeredSinceLeave()) {
      await this.registry.recordFigures(outgoing.version, { live: outgoing.leave() });
    }
  }

  private async switchTo(id: string, cause: SwitchCause, hold: HoldState): Promise<VersionEntry> {
    const entry = this.registry.get(id);
    const learner = PatternLearner.fromJSON(await this.registry.loadModel(id));
    if (this.live.schema && !learner.schema.equals(this.live.schema)) {
      throw new InvalidInputError(
        "id",
        `version ${id} reads other features than the live model; it cannot be activated here`,
      );
    }
    const from = this.registry.activeId;
    const activated = await this.point(id, cause, hold);
    this.live.adoptSchema(learner.schema);
    await this.goLive(entry, learner, from, cause);
    return activated;
  }
}
