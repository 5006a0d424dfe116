import type { StoredFeedback } from "../feedback/log";
import type { FeatureReason } from "../learning/explain";
import type { MonitorSnapshot } from "../learning/monitor";
import type { TimingSnapshot } from "../learning/timing";
import type { HoldState, VersionLive } from "../versions/registry";
import type { Verdict } from "./guardrail";

/** What addFeedback did with a batch. */
export interface AddFeedbackResult {
  /** Feedback made durable by this call, with their log sequence numbers. */
  stored: StoredFeedback[];
  /** Ids already stored before (the same decision delivered twice): not stored again. */
  duplicates: string[];
  /** Pattern ids of stored feedback whose features are not known yet: parked until they are. */
  parked: string[];
  /** Feedback learned since the last update, i.e. waiting for the next one. */
  pending: number;
  /** True when this batch reached the threshold and started an automatic update. */
  updateTriggered: boolean;
  activeVersion: string | null;
}

/** A score for one pattern with the active model. */
export interface ScoreResult {
  patternId?: string;
  /** P(approve), 0…1. */
  score: number;
  label: "approve" | "reject";
  /** 0 when the model is sure (score 0 or 1), 1 when it cannot tell (score 0.5). */
  uncertainty: number;
  /** The active version, or null while the model is untrained. */
  version: string | null;
  /**
   * Asked for (ScoreOptions.reasons): the features that moved this score most, strongest first,
   * each with its signed contribution. baseScore + Σ contribution + otherContribution = score.
   */
  reasons?: ScoreReason[];
  /** With reasons: the model's score before it reads any feature (its trees' root values, weighted as their votes). */
  baseScore?: number;
  /** With reasons: the summed contributions of the features not listed in `reasons`. */
  otherContribution?: number;
}

/** One feature that moved a score: its name, value, signed contribution, and its value in words. */
export type ScoreReason = FeatureReason;

/** How to score. */
export interface ScoreOptions {
  /** Reasons with each score: true for SCORE_SPEC.reasons' default count, or how many (0 or false: none). */
  reasons?: boolean | number;
}

/** Live figures for a status display, a dashboard or the admin API. */
export interface ModelMetrics {
  /** The model's running prequential figures across every version that was live (not one version's). */
  monitor: MonitorSnapshot;
  pending: number;
  activeVersion: string | null;
  /** The active version's own figures over the feedback it answered while active. */
  activeLive: VersionLive | null;
  /** The new version on trial beside the active one, with the verdict so far (and a newer one waiting). */
  trial: { version: string; against: string | null; verdict: Verdict; waiting: string | null } | null;
  /** Set while a person's activate or rollback holds automatic activation. */
  hold: HoldState | null;
  updating: boolean;
  updateTimes: TimingSnapshot;
  feedbackCount: number;
  parkedCount: number;
  historySize: number;
  features: string[] | null;
}
