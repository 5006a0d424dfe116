import type { Features, Feedback } from "../feedback/feedback";
import type { StoredFeedback } from "../feedback/log";
import type { PatternCache } from "../feedback/pattern-cache";
import type { StoreProblem } from "../store/files";
import { type Alert, feedbackParkedAlert, storeErrorAlert } from "./alerts";

/**
 * What the model remembers of patterns: their features (the pattern cache on disk), so feedback
 * that arrives with a pattern id only can be learned, and the feedback parked until a pattern's
 * features are known. Writes for one pattern run one at a time, in call order.
 */
export class PatternMemory {
  private readonly remembering = new Map<string, Promise<void>>();

  constructor(
    private readonly cache: PatternCache,
    /** Learns feedback that was parked for a pattern whose features just became known. */
    private readonly learnParked: (features: Features, parked: Feedback[]) => void,
    private readonly alert: (alert: Alert) => void,
  ) {}

  /** The remembered features of a pattern, if any. */
  lookup(patternId: string): Features | undefined {
    return this.cache.lookup(patternId);
  }

  /** What was found wrong in the cache's files on open, and what was done about it. */
  get problems(): readonly StoreProblem[] {
    return this.cache.problems;
  }

  /** How many feedback wait for their pattern's features. */
  get parkedCount(): number {
    return this.cache.parkedCount;
  }

  /** Stores a pattern's features and learns the feedback that was parked waiting for them. */
  remember(patternId: string, features: Features): Promise<void> {
    // One write per pattern at a time, in call order; a failed one does not fail the next.
    const previous = (this.remembering.get(patternId) ?? Promise.resolve()).catch(() => undefined);
    const next = previous
      .then(() => this.cache.remember(patternId, features))
      .then(() => this.learnParked(features, this.cache.takeParked(patternId)))
      .catch((error: unknown) => {
        this.alert(storeErrorAlert(`remembering pattern ${patternId}`, error));
        throw error;
      })
      .finally(() => {
        if (this.remembering.get(patternId) === next) this.remembering.delete(patternId);
      });
    this.remembering.set(patternId, next);
    return next;
  }

  /** Resolves once the writes asked for these patterns so far are done; rejects if one of them failed. */
  async settled(patternIds: Iterable<string>): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const patternId of patternIds) waits.push(this.remembering.get(patternId) ?? Promise.resolve());
    await Promise.all(waits);
  }

  /** Resolves once every write asked for so far is done. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.remembering.values()]);
  }

  /**
   * After a batch is stored: remembers the features that came with it, and parks the feedback
   * whose pattern is not known yet (each parking is reported as an info alert).
   */
  async settle(added: readonly StoredFeedback[], parked: readonly StoredFeedback[]): Promise<void> {
    const withFeatures = new Map<string, Features>();
    for (const record of added) if (record.features) withFeatures.set(record.patternId, record.features);
    for (const [patternId, features] of withFeatures) await this.remember(patternId, features).catch(() => undefined);
    for (const record of parked) {
      const { seq: _seq, ...feedback } = record;
      try {
        const { warning } = await this.cache.park(feedback);
        this.alert(feedbackParkedAlert(warning, record.patternId, record.id));
      } catch (error) {
        this.alert(storeErrorAlert(`parking feedback ${record.id}`, error));
      }
    }
  }

  /**
   * Drops parked feedback whose pattern became known: replay on open has learned it from the
   * log already, and a removal not yet durable before a crash must not make it learned twice.
   */
  forgetLearnedParked(): void {
    for (const feedback of this.cache.parkedFeedback()) {
      if (!this.cache.lookup(feedback.patternId)) continue;
      this.cache.takeParked(feedback.patternId);
    }
  }
}
