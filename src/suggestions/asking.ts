// Which suggestions to put to the household today, and how their answers come back. The choice
// itself is chooseAsks (ranking.ts): the book supplies the candidates and the day's budget.
import type { Feedback } from "../feedback/feedback";
import type { OfferedPattern, Suggestion, SuggestionAnswer, SuggestionBook } from "./book";
import { type AskCandidate, chooseAsks } from "./ranking";
import { plainReasons } from "./reasons";

/** A suggestion as the ranking sees it; one never scored counts as a coin toss (0.5, fully uncertain). */
export function askCandidate(suggestion: Suggestion): AskCandidate {
  return {
    patternId: suggestion.patternId,
    score: suggestion.score ?? 0.5,
    uncertainty: suggestion.uncertainty ?? 1,
    minerConfidence: suggestion.minerConfidence,
    firstSeenMs: Date.parse(suggestion.firstSeenAt),
  };
}

/**
 * The suggestions to ask now: at most `asksPerDay` a local day, counting those already asked
 * today, the best first as chooseAsks ranks them (by the model once it has a version, else by
 * the miner's confidence).
 */
export function chooseToday(
  book: SuggestionBook,
  options: { asksPerDay: number; modelReady: boolean; now?: number },
): Suggestion[] {
  const now = options.now ?? Date.now();
  const budget = Math.max(0, options.asksPerDay - book.askedOn(now));
  if (budget === 0) return [];
  const askable = new Map(book.askable(now).map((s) => [s.patternId, s]));
  const chosen = chooseAsks([...askable.values()].map(askCandidate), budget, { modelReady: options.modelReady });
  return chosen.slice(0, budget).map((c) => askable.get(c.patternId) as Suggestion);
}

/**
 * The patterns of a pattern-score message with their scores: `msg.payload` the score results (one
 * or a list) and `msg.pattern` the patterns; or `msg.payload` patterns alone (unscored).
 */
export function offersOf(payload: unknown, pattern: unknown): OfferedPattern[] {
  const results = Array.isArray(payload) ? payload : [payload];
  if (pattern === undefined) return results.map((p) => ({ pattern: p }));
  const patterns = Array.isArray(pattern) ? pattern : [pattern];
  return patterns.map((p, i) => {
    const result = results[i] as Record<string, unknown> | undefined;
    const offer: OfferedPattern = { pattern: p };
    if (typeof result?.score === "number") offer.score = result.score;
    if (typeof result?.uncertainty === "number") offer.uncertainty = result.uncertainty;
    if (result?.reasons !== undefined) offer.reasons = plainReasons(result.reasons);
    return offer;
  });
}

/** The evidence part of a pattern's description ("Turn on …: done by hand on 17 of 20 weekdays" → the rest). */
export function evidenceOf(suggestion: Pick<Suggestion, "title" | "description">): string | undefined {
  const { title, description } = suggestion;
  if (description.startsWith(`${title}: `)) return description.slice(title.length + 2);
  return description === title ? undefined : description;
}

/** Prefixes of the notification buttons' action ids. */
export interface AnswerPrefixes {
  approvePrefix: string;
  rejectPrefix: string;
  snoozePrefix: string;
}

/** The answer a notification button's action id carries (`PATTERN_SNOOZE_<id>` …), or null when it is not one. */
export function answerOfAction(
  action: unknown,
  prefixes: AnswerPrefixes,
): { patternId: string; answer: SuggestionAnswer } | null {
  if (typeof action !== "string") return null;
  const pairs: [string, SuggestionAnswer][] = [
    [prefixes.approvePrefix, "approve"],
    [prefixes.rejectPrefix, "reject"],
    [prefixes.snoozePrefix, "snooze"],
  ];
  for (const [prefix, answer] of pairs) {
    if (prefix !== "" && action.startsWith(prefix) && action.length > prefix.length)
      return { patternId: action.slice(prefix.length), answer };
  }
  return null;
}

/** A stored feedback as a book answer: who decided, where, when. */
export function answerOfFeedback(feedback: Pick<Feedback, "patternId" | "label" | "user" | "source" | "receivedAt">): {
  patternId: string;
  answer: SuggestionAnswer;
  who: { by: string | null; source: string; at: number };
} {
  const at = Date.parse(feedback.receivedAt);
  return {
    patternId: feedback.patternId,
    answer: feedback.label === 1 ? "approve" : "reject",
    who: { by: feedback.user ?? null, source: feedback.source, at: Number.isFinite(at) ? at : Date.now() },
  };
}
