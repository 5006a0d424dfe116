import type { StoreProblem } from "../store/files";
import type { HoldState } from "../versions/registry";
import type { BurstState, SetAside } from "./burst";

/** What went wrong or needs attention. */
export type AlertType =
  | "slow-update"
  | "accuracy-drop"
  | "drift"
  | "burst-set-aside"
  | "guardrail-rejected"
  | "held"
  | "challenger-better"
  | "store-error"
  | "update-failed"
  | "feedback-parked";

/** How urgent an alert is: info (for the record), warning (look at it), error (something failed). */
export type AlertSeverity = "info" | "warning" | "error";

/** One alert, as the incremental-update node's alert output sends it. */
export interface Alert {
  type: AlertType;
  severity: AlertSeverity;
  message: string;
  details: Record<string, unknown>;
}

/** An update slower than the budget: the household's box may be overloaded or the history too large. */
export function slowUpdateAlert(version: string, updateTimeMs: number, budgetMs: number): Alert | null {
  if (!(updateTimeMs > budgetMs)) return null;
  return {
    type: "slow-update",
    severity: "warning",
    message: `update to ${version} took ${Math.round(updateTimeMs)} ms, over the budget of ${budgetMs} ms`,
    details: { version, updateTimeMs, budgetMs },
  };
}

/** The accuracies an accuracy-drop check compares. */
export interface AccuracyFigures {
  prequentialAccuracy?: number | null;
  fadingAccuracy?: number | null;
}

/**
 * Live accuracy that fell by at least `points` below the reference it is compared with (see
 * checkAccuracy): the fading accuracy when both sides have it, else the prequential accuracy.
 */
export function accuracyDropAlert(
  version: string,
  live: AccuracyFigures,
  recorded: AccuracyFigures,
  points: number,
): Alert | null {
  const key: keyof AccuracyFigures =
    isNumber(live.fadingAccuracy) && isNumber(recorded.fadingAccuracy) ? "fadingAccuracy" : "prequentialAccuracy";
  const now = live[key];
  const then = recorded[key];
  if (!isNumber(now) || !isNumber(then)) return null;
  const dropPoints = (then - now) * 100;
  if (dropPoints < points - 1e-9) return null;
  return {
    type: "accuracy-drop",
    severity: "warning",
    message:
      `the model with ${version} live got ${(now * 100).toFixed(1)} % of its last answers right, ` +
      `${dropPoints.toFixed(1)} points below its ${(then * 100).toFixed(1)} % before them`,
    details: { version, metric: key, now, recorded: then, dropPoints, thresholdPoints: points },
  };
}

/** The drift detector fired and the rise lasted: the household's taste seems to have changed. */
export function driftAlert(version: string | null, details: Record<string, unknown>): Alert {
  return {
    type: "drift",
    severity: "warning",
    message:
      "the error rate changed significantly: the household's preferences may have shifted; consider a full update",
    details: { version, ...details },
  };
}

/**
 * What a rise of the error rate turned out to be: a change of taste (confirmed: a drift alert), or a
 * burst of answers that passed (set aside: a warning, as someone may be answering for the wrong
 * pattern or with the buttons swapped). A false alarm raises nothing.
 */
export function burstAlert(
  version: string | null,
  state: BurstState,
  length: number,
  referenceError: number,
  usualError: number,
  range: SetAside | null,
): Alert {
  const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
  if (state === "passed" && range) {
    return {
      type: "burst-set-aside",
      severity: "warning",
      message:
        `${range.toSeq - range.fromSeq} answers unlike the household's usual ones (the model from before them ` +
        `was wrong on ${pct(referenceError)}, usually ${pct(usualError)}) stopped: they are set aside, ` +
        "and no version that learned them goes live",
      details: { ...range, referenceError, usualError },
    };
  }
  const details = { state, length, referenceError, usualError };
  if (state === "confirmed") {
    const alert = driftAlert(version, details);
    alert.message =
      `the household's taste changed: for ${length} answers the model from before has been wrong on ` +
      `${pct(referenceError)} (usually ${pct(usualError)}); versions that learned the change may go live`;
    return alert;
  }
  return {
    type: "drift",
    severity: "info",
    message: `a rise of the error rate was a false alarm (${pct(referenceError)} wrong, usually ${pct(usualError)})`,
    details,
  };
}

/** A disk operation failed; the message names what was being done. */
export function storeErrorAlert(action: string, error: unknown): Alert {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return {
    type: "store-error",
    severity: "error",
    message: `${action} failed: ${message}`,
    details: { action, ...(typeof code === "string" ? { code } : {}) },
  };
}

/** A problem found in the store on open (a damaged line or file set aside, a rebuilt registry). */
export function storeProblemAlert(problem: StoreProblem): Alert {
  return { type: "store-error", severity: "warning", message: problem.message, details: { ...problem } };
}

/** The saved live metrics could not be read: they start afresh (nothing else is lost). */
export function monitorUnreadableAlert(file: string, error: unknown): Alert {
  return {
    type: "store-error",
    severity: "warning",
    message: `${file} could not be read (${(error as Error).message}); the live metrics start afresh`,
    details: { file },
  };
}

/** A feedback whose remembered features do not fit the model's schema: stored, not learned. */
export function unfitFeaturesAlert(what: string, features: Record<string, number>): Alert {
  return {
    type: "store-error",
    severity: "warning",
    message: `${what}: its remembered features do not fit the model's schema; not learned`,
    details: { features: Object.keys(features) },
  };
}

/** A feedback stored for a pattern whose features are not known yet: learned once they are. */
export function feedbackParkedAlert(warning: string, patternId: string, feedbackId: string): Alert {
  return { type: "feedback-parked", severity: "info", message: warning, details: { patternId, feedbackId } };
}

/** An automatic update failed; nobody awaits it, so the flow hears of it only through this alert. */
export function updateFailedAlert(failure: { message: string } & Record<string, unknown>): Alert {
  return {
    type: "update-failed",
    severity: "error",
    message: `the automatic update failed: ${failure.message}`,
    details: { ...failure },
  };
}

/** The guardrail kept a saved version from going live: it did worse on new feedback. */
export function guardrailRejectedAlert(
  version: string,
  active: string | null,
  verdict: { message: string } & object,
): Alert {
  return {
    type: "guardrail-rejected",
    severity: "warning",
    message: `${version} was saved but not activated: ${verdict.message}`,
    details: { version, active, ...verdict },
  };
}

/** A person switched versions: automatic activation waits (new versions are still saved and judged). */
export function heldAlert(hold: { version: string; by: string; reason: string }, until: "better" | "resume"): Alert {
  const end =
    until === "resume"
      ? "until someone resumes automatic updates"
      : "until a new version proves better on new feedback, or someone resumes automatic updates";
  return {
    type: "held",
    severity: "info",
    message:
      `${hold.version} was activated by ${hold.by} (${hold.reason}): automatic activation is held ${end}; ` +
      "new versions are still saved and judged",
    details: { ...hold, until },
  };
}

/** A new version did better than the held one on new feedback: promoted (ending the hold), or (held until resume) not. */
export function challengerBetterAlert(
  version: string,
  hold: HoldState,
  activated: boolean,
  verdict: { message: string } & object,
): Alert {
  const what = activated
    ? `activated: it ended the hold set by ${hold.by} at ${hold.version}, and automatic updates resume`
    : `not activated: automatic activation is held at ${hold.version} (set by ${hold.by}) until someone resumes it`;
  return {
    type: "challenger-better",
    severity: "info",
    message: `${version} is ${verdict.message}; ${what}`,
    details: { version, held: hold.version, heldBy: hold.by, activated, ...verdict },
  };
}

/** A person switched versions while an update ran: the update's version is saved, not activated. */
export function switchedMeanwhileAlert(version: string, active: string | null): Alert {
  return {
    type: "guardrail-rejected",
    severity: "info",
    message: `${version} was saved but not activated: a version was activated by hand during the update`,
    details: { version, active },
  };
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
