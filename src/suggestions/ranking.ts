/**
 * Which suggestions to ask the household today. A household answers a few asks a day (a
 * notification each), so the order decides both how many of its asks it approves and what the
 * model learns from.
 *
 * How it ranks, with a trained model (`modelReady`, the default):
 * - all asks but one go to the likeliest approvals: the model's P(approve), highest first;
 * - when the budget is 2 or more, one ask goes to the suggestion the model is least sure of
 *   (uncertainty nearest a coin toss): its answer teaches the model most, and a taste the model
 *   has not seen yet (a kind of routine it wrongly scores low) is found there rather than never;
 * - ties (equal scores: an untrained forest answers the same for every pattern) fall to the
 *   miner's confidence, then to what is new (first seen later), then to the id, so the order is
 *   the same on every run.
 * Before the model is trained (`modelReady` false) its scores say nothing about this household:
 * every ask goes by the miner's confidence (what other suggesters' confidence filters do), newest
 * and then id among equals.
 *
 * Why this mix: the `loop` benchmark section (bench/README.md) measures the share of asks approved
 * over a household's first 100 answers for this ranking, confidence order and random order, and
 * beside it the variants with no exploratory ask and with one; its figures are in README's
 * benchmark table.
 */
import { describeValue, InvalidInputError } from "../errors";
import { checkFlag, checkNumber, checkText, checkWholeNumber, MAX_ID_LENGTH } from "../validate";

/** A suggestion that could be asked today. */
export interface AskCandidate {
  patternId: string;
  /** P(approve) from the model, 0..1. */
  score: number;
  /** 0 sure .. 1 coin toss. */
  uncertainty: number;
  /** The routine's confidence, 0..1. */
  minerConfidence: number;
  firstSeenMs: number;
}

/** How many of a day's asks go to the most uncertain suggestion, once the budget allows it (see the module comment). */
export const EXPLORATORY_ASKS = 1;
/** The smallest budget that spends an ask on exploring: with one ask a day, the likeliest approval goes. */
const EXPLORE_FROM_BUDGET = 2;

/** Up to `budget` candidates to ask, best first. */
export function chooseAsks(
  candidates: readonly AskCandidate[],
  budget: number,
  options: { modelReady?: boolean } = {},
): AskCandidate[] {
  const checked = checkCandidates(candidates);
  checkWholeNumber(budget, "budget", { min: 0 });
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `expected an object, got ${describeValue(options)}`);
  }
  const modelReady = options.modelReady === undefined ? true : checkFlag(options.modelReady, "options.modelReady");
  if (budget === 0 || checked.length === 0) return [];

  if (!modelReady) return [...checked].sort(byConfidence).slice(0, budget);

  const likeliest = [...checked].sort(byScore);
  const exploring = budget >= EXPLORE_FROM_BUDGET ? Math.min(EXPLORATORY_ASKS, budget - 1) : 0;
  const chosen = likeliest.slice(0, budget - exploring);
  if (exploring === 0) return chosen;
  const taken = new Set(chosen.map((c) => c.patternId));
  const uncertain = likeliest.filter((c) => !taken.has(c.patternId)).sort(byUncertainty);
  return [...chosen, ...uncertain.slice(0, exploring)];
}

/** Highest P(approve) first; then the miner's confidence, the newest, the id. */
function byScore(a: AskCandidate, b: AskCandidate): number {
  return b.score - a.score || byConfidence(a, b);
}

/** Nearest a coin toss first; then the likelier approval, the miner's confidence, the newest, the id. */
function byUncertainty(a: AskCandidate, b: AskCandidate): number {
  return b.uncertainty - a.uncertainty || byScore(a, b);
}

/** The miner's confidence, highest first; then the newest; then the id. */
function byConfidence(a: AskCandidate, b: AskCandidate): number {
  return (
    b.minerConfidence - a.minerConfidence ||
    b.firstSeenMs - a.firstSeenMs ||
    (a.patternId < b.patternId ? -1 : a.patternId > b.patternId ? 1 : 0)
  );
}

/** The candidates, each checked (InvalidInputError naming `candidates[i].field`); a pattern id twice is refused. */
function checkCandidates(candidates: readonly AskCandidate[]): AskCandidate[] {
  if (!Array.isArray(candidates)) {
    throw new InvalidInputError("candidates", `expected a list of candidates, got ${describeValue(candidates)}`);
  }
  const seen = new Set<string>();
  return candidates.map((candidate: unknown, i) => {
    const at = (key: string) => `candidates[${i}]${key === "" ? "" : `.${key}`}`;
    if (typeof candidate !== "object" || candidate === null || Array.isArray(candidate)) {
      throw new InvalidInputError(at(""), `expected a candidate object, got ${describeValue(candidate)}`);
    }
    const c = candidate as Record<string, unknown>;
    const patternId = checkText(c.patternId, at("patternId"), MAX_ID_LENGTH);
    if (seen.has(patternId)) {
      throw new InvalidInputError(at("patternId"), `${describeValue(patternId)} is already a candidate: ask it once`);
    }
    seen.add(patternId);
    checkNumber(c.score, at("score"), { min: 0, max: 1 });
    checkNumber(c.uncertainty, at("uncertainty"), { min: 0, max: 1 });
    checkNumber(c.minerConfidence, at("minerConfidence"), { min: 0, max: 1 });
    checkNumber(c.firstSeenMs, at("firstSeenMs"));
    // The caller's own objects come back (they may carry the pattern beside these fields).
    return candidate as AskCandidate;
  });
}
