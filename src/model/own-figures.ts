import type { Label } from "../feedback/feedback";
import type { VersionEntry, VersionLive } from "../versions/registry";

/** How fast older answers fade in the recent accuracy: as in the model's monitor (the last ~100 weigh most). */
const FADING = 0.99;

/**
 * The live version's own prequential figures: every feedback it answers while active is counted
 * (predicted before learned), added to what it had from earlier times it was active. They are
 * kept in memory and written into the registry at moments (an update, a switch, closing), not on
 * every feedback; a replay after a restart counts only feedback after `throughSeq`.
 */
export class OwnFigures {
  private figures: VersionLive;
  /** Samples when leave() last wrote them out (-1: never). */
  private leftAt = -1;
  /** Since it last became live, in memory only: answers, and their accuracy with older ones fading. */
  private recent = { answers: 0, correct: 0, weight: 0 };

  constructor(
    readonly version: string,
    stored: VersionLive | null,
  ) {
    const now = new Date().toISOString();
    this.figures = stored
      ? { ...stored, lastActiveAt: now }
      : { samples: 0, correct: 0, accuracy: null, firstActiveAt: now, lastActiveAt: now, throughSeq: 0 };
  }

  /** The figures of `entry` as it becomes (or stays, after a restart) the live version. */
  static of(entry: VersionEntry): OwnFigures {
    return new OwnFigures(entry.id, entry.live);
  }

  /**
   * Counts the live version's answer `p` to feedback `seq`, once: a replayed one already counted
   * is skipped. `seq` null: learned late (parked until its pattern was known), counted as it comes.
   */
  count(p: number, label: Label, seq: number | null): void {
    const f = this.figures;
    if (seq !== null && seq <= f.throughSeq) return;
    const right = (p >= 0.5 ? 1 : 0) === label;
    f.samples++;
    if (right) f.correct++;
    const r = this.recent;
    r.answers++;
    r.correct = FADING * r.correct + (right ? 1 : 0);
    r.weight = FADING * r.weight + 1;
    f.accuracy = f.correct / f.samples;
    f.lastActiveAt = new Date().toISOString();
    if (seq !== null) f.throughSeq = seq;
  }

  /** Its recent accuracy since it last became live (older answers fading), and how many answers that is. */
  get sinceLive(): { answers: number; fadingAccuracy: number | null } {
    const r = this.recent;
    return { answers: r.answers, fadingAccuracy: r.weight > 0 ? r.correct / r.weight : null };
  }

  /** The figures so far (last active: when it last answered a feedback, or became live). */
  snapshot(): VersionLive {
    return { ...this.figures };
  }

  /** The figures as the version stops being the live one (last active: now). */
  leave(): VersionLive {
    this.figures.lastActiveAt = new Date().toISOString();
    this.leftAt = this.figures.samples;
    return this.snapshot();
  }

  /** True when it answered feedback after leave() (between the registry's switch and the learner's). */
  answeredSinceLeave(): boolean {
    return this.leftAt >= 0 && this.figures.samples !== this.leftAt;
  }
}
