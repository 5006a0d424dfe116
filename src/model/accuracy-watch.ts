import type { Alert } from "./alerts";
import { accuracyDropAlert } from "./alerts";
import type { LiveLearning } from "./live-learning";

/** Recent answers compared: about what the fading accuracy weighs (factor 0.99). */
const RECENT = 100;
/** Answers before them that give the reference: the model's own accuracy, not the best of a few trials. */
const REFERENCE = 400;
/** z of the one-sided 99 % bound the recent accuracy must fall below: a stationary stream raises none. */
const Z = 2.33;

/**
 * The accuracy-drop check: the live model's accuracy over its last 100 answers against its own
 * accuracy over the 400 answers before them (across versions: a promotion does not reset it).
 * It fires when even the upper 99 % Wilson bound of the recent accuracy lies `points` below the
 * reference, and not again before the 500 answers it compared have all been replaced. The reference used to be the version's trial figure, the best
 * of several noisy trials, so it fired after almost every promotion (13 times in 9 minutes of the
 * demo); with this one, 5,000 answers of a stationary stream raise none (see the alert tests).
 */
export function checkAccuracy(live: LiveLearning, active: string | null, points: number): Alert | null {
  const own = live.own;
  if (!active || !own || own.version !== active) return null;
  const answers = live.recent;
  const now = answers.at(-1)?.row ?? 0;
  // One drop, one alert: the next compares only answers given after it (a promotion does not reset it).
  if (live.accuracyAlertedRow >= 0 && now - live.accuracyAlertedRow < RECENT + REFERENCE) return null;
  if (answers.length < RECENT + REFERENCE / 2) return null;
  const recent = answers.slice(-RECENT);
  const before = answers.slice(-(RECENT + REFERENCE), -RECENT);
  const recentAccuracy = recent.filter((a) => !a.wrong).length / recent.length;
  const referenceAccuracy = before.filter((a) => !a.wrong).length / before.length;
  if (upperBound(recentAccuracy, recent.length) > referenceAccuracy - points / 100) return null;
  const alert = accuracyDropAlert(
    active,
    { prequentialAccuracy: recentAccuracy },
    { prequentialAccuracy: referenceAccuracy },
    points,
  );
  if (alert) live.accuracyAlertedRow = now;
  return alert;
}

/** The upper end of the one-sided Wilson score interval for an accuracy `p` over `n` answers. */
function upperBound(p: number, n: number): number {
  const z2 = Z * Z;
  return (p + z2 / (2 * n) + Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
}
