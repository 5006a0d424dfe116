import type { Label } from "../feedback/feedback";

/** Anything that gives P(approve) for a feature vector: the active learner or a candidate. */
export interface Predictor {
  predictProba(x: Float64Array): number;
  /** P(approve) for many rows at once, equal to predictProba of each (used when present: faster). */
  predictMany?(rows: readonly Float64Array[]): Float64Array;
}

/** Recent labelled feedback the guardrail compares models on. */
export interface RecentWindow {
  X: readonly Float64Array[];
  y: readonly Label[];
}

/** Whether a candidate may replace the active model, and the figures behind the decision. */
export interface GuardrailVerdict {
  accept: boolean;
  /** Accuracy of the candidate on the recent window (null without a window). */
  candidateAccuracy: number | null;
  /** Accuracy of the active model on the same window (null without an active trained model). */
  activeAccuracy: number | null;
  /** How many accuracy points the candidate loses against the active model (negative: it gains). */
  dropPoints: number;
  samples: number;
  message: string;
}

/** Share of the window a model labels correctly (P(approve) ≥ 0.5 counts as approve). */
export function windowAccuracy(model: Predictor, window: RecentWindow): number {
  const proba = model.predictMany ? model.predictMany(window.X) : window.X.map((x) => model.predictProba(x));
  let correct = 0;
  for (let i = 0; i < window.X.length; i++) {
    const predicted: Label = (proba[i] as number) >= 0.5 ? 1 : 0;
    if (predicted === window.y[i]) correct++;
  }
  return correct / window.X.length;
}

/**
 * The guardrail: a candidate is accepted unless it is worse than the active model on the recent
 * feedback by more than `maxDropPoints` accuracy points. With no active trained model, or no
 * recent feedback to judge on, there is nothing to protect and the candidate is accepted.
 * `pause()` runs between the two scorings and after them, so a caller can give its event loop a
 * turn (each scoring of a big forest on the window takes milliseconds).
 */
export async function judgeCandidate(
  candidate: Predictor,
  active: Predictor | null,
  window: RecentWindow,
  maxDropPoints: number,
  pause: () => Promise<void> = async () => undefined,
): Promise<GuardrailVerdict> {
  const samples = window.X.length;
  const candidateAccuracy = samples === 0 ? null : windowAccuracy(candidate, window);
  await pause();
  const activeAccuracy = samples === 0 || active === null ? null : windowAccuracy(active, window);
  await pause();
  return verdictOf(candidateAccuracy, activeAccuracy, samples, maxDropPoints);
}

/** The verdict from the two accuracies on a window of `samples` feedback (null: not measured). */
function verdictOf(
  candidateAccuracy: number | null,
  activeAccuracy: number | null,
  samples: number,
  maxDropPoints: number,
): GuardrailVerdict {
  if (candidateAccuracy === null) {
    return {
      accept: true,
      candidateAccuracy: null,
      activeAccuracy: null,
      dropPoints: 0,
      samples,
      message: "no recent feedback to compare on",
    };
  }
  if (activeAccuracy === null) {
    return {
      accept: true,
      candidateAccuracy,
      activeAccuracy: null,
      dropPoints: 0,
      samples,
      message: "no trained active model to compare with",
    };
  }
  const dropPoints = (activeAccuracy - candidateAccuracy) * 100;
  // A tiny tolerance keeps an exact tie at the limit from failing through rounding.
  const accept = dropPoints <= maxDropPoints + 1e-9;
  const figures =
    `${percent(candidateAccuracy)} vs ${percent(activeAccuracy)} ` +
    `for the active model on the last ${samples} feedback`;
  const message = accept
    ? `candidate accepted: ${figures}`
    : `candidate rejected: ${figures} ` +
      `(a drop of ${dropPoints.toFixed(1)} points, more than the allowed ${maxDropPoints})`;
  return { accept, candidateAccuracy, activeAccuracy, dropPoints, samples, message };
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)} %`;
}
