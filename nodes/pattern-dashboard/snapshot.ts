import type { DashboardFeed, FeedView } from "../../src/model/dashboard-feed";
import type { ModelMetrics, PatternModel, PersonDecisions, ScoredPattern } from "../../src/model/pattern-model";
import type { ActivationRecord, HoldState } from "../../src/versions/registry";
import { type VersionRow, versionRows } from "../shared/versions";
import type { SuggestionsView } from "./suggestions";

/** Activations and scored suggestions the widget lists, newest first: a phone's screen, not the whole log. */
export const ACTIVATIONS_SHOWN = 20;
export const SUGGESTIONS_SHOWN = 10;

/** The model's present state as the widget's header shows it. */
export interface ModelView {
  /** The pattern-model configuration's name, as the editor shows it. */
  name: string;
  activeVersion: string | null;
  hold: HoldState | null;
  /** What ends a hold besides a person's resume: a new version proving better ("better"), or nothing ("resume"). */
  holdUntil: "better" | "resume";
  trial: ModelMetrics["trial"];
  updating: boolean;
  pending: number;
  feedbackCount: number;
  /** The model's recent (fading) accuracy, null before any answered feedback. */
  recentAccuracy: number | null;
  /** The active version's own live accuracy and the feedback it answered while active. */
  activeLive: { accuracy: number | null; samples: number } | null;
  /**
   * When the latest switch was a new version proving better and ending a person's hold (and no
   * hold is set since): what happened, in words, and when. The widget shows it where the hold was.
   */
  holdEnded: { text: string; at: string } | null;
}

/** The activation log's reason for a promotion that ended a hold (see Trials.promote). */
const HOLD_ENDED = /^challenger promoted: ended the hold set by (.+) at (v\d+)$/;

/** The latest switch, when it was a version proving better and ending a hold, in words. */
export function holdEndedBy(latest: ActivationRecord | undefined, hold: HoldState | null): ModelView["holdEnded"] {
  const ended = latest && !hold ? HOLD_ENDED.exec(latest.reason) : null;
  if (!latest || !ended) return null;
  return {
    text: `${latest.to} proved better on new feedback and went live: it ended the hold set by ${ended[1]} at ${ended[2]}.`,
    at: latest.at,
  };
}

/** A version row with what only the dashboard marks: the version on trial beside the active one. */
export interface VersionView extends VersionRow {
  onTrial: boolean;
}

/** Everything one widget shows, sent whole on every change (a few kB: versions and lists are bounded). */
export interface DashboardSnapshot {
  /** When the widget cannot show a model: what is wrong and what to do; everything else is empty then. */
  problem: string | null;
  model: ModelView | null;
  /** Newest first. */
  versions: VersionView[];
  /** Newest first. */
  activations: ActivationRecord[];
  feed: FeedView | null;
  /**
   * The latest scored suggestions (with their reasons when scored with them, and the answer once
   * given), and how each person decided.
   */
  decisions: { scored: ScoredPattern[]; people: PersonDecisions[] };
  /** The suggestion book: pending suggestions in words with their buttons, and answered ones (none yet: null). */
  suggestions?: SuggestionsView | null;
}

/** A message for the one dashboard client whose action it answers (all clients when unknown). */
export interface DashboardNotice {
  /** The socket id of the client that acted. */
  to: string | null;
  level: "success" | "error";
  text: string;
}

/** The widget's snapshot of an open model and its feed. */
export function dashboardSnapshot(
  model: PatternModel,
  name: string,
  feed: DashboardFeed,
  names: ReadonlyMap<string, string> = new Map(),
): DashboardSnapshot {
  const metrics = model.metrics();
  const trialVersion = metrics.trial?.version ?? null;
  const { scored, people } = model.decisions({ limit: SUGGESTIONS_SHOWN, names });
  const activations = model.versions.activations();
  return {
    problem: null,
    model: {
      name,
      activeVersion: metrics.activeVersion,
      hold: metrics.hold,
      holdUntil: model.settings.guardrail.holdUntil,
      trial: metrics.trial,
      updating: metrics.updating,
      pending: metrics.pending,
      feedbackCount: metrics.feedbackCount,
      recentAccuracy: metrics.monitor.samples > 0 ? metrics.monitor.fadingAccuracy : null,
      activeLive: metrics.activeLive
        ? { accuracy: metrics.activeLive.accuracy, samples: metrics.activeLive.samples }
        : null,
      holdEnded: holdEndedBy(activations.at(-1), metrics.hold),
    },
    versions: versionRows(model).map((row) => ({ ...row, onTrial: row.id === trialVersion })),
    activations: activations.slice(-ACTIVATIONS_SHOWN).reverse(),
    feed: feed.view(),
    decisions: { scored, people },
  };
}

/** The snapshot of a widget that has no model to show, saying why. */
export function problemSnapshot(problem: string): DashboardSnapshot {
  return { problem, model: null, versions: [], activations: [], feed: null, decisions: { scored: [], people: [] } };
}
