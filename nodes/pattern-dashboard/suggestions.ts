// The dashboard's suggestions: the pending ones in words with their score and reasons, and the
// Approve / Reject / Not now buttons; the answered ones with whether the model guessed right.
import { describeValue, InvalidInputError } from "../../src/errors";
import type { PatternModel } from "../../src/model/pattern-model";
import type { Suggestion, SuggestionBook } from "../../src/suggestions/book";
import { checkId } from "../../src/validate";
import type { NodeMessage } from "../shared/red";

/** Pending and answered suggestions the widget lists: a phone's screen, not the whole book. */
export const PENDING_SHOWN = 10;
export const ANSWERED_SHOWN = 10;

/** The buttons of a suggestion. */
export const SUGGESTION_ACTIONS = ["approve", "reject", "snooze"] as const;

/** One press of a suggestion's button. */
export interface SuggestionAction {
  action: (typeof SUGGESTION_ACTIONS)[number];
  patternId: string;
}

/** A suggestion as the widget shows it. */
export interface SuggestionView {
  patternId: string;
  title: string;
  description: string;
  /** P(approve) from the model, 0…1; null before it was scored. */
  score: number | null;
  /** The score's reasons in plain words. */
  reasons: string[];
  state: "new" | "asked" | "snoozed" | "approved" | "rejected";
  askedVia: string | null;
  answer: { answer: string; by: string | null; name: string | null; at: string; source: string } | null;
  /** Whether the model's guess when it was asked (score ≥ 0.5: approve) matched the answer; null when unknown. */
  guessedRight: boolean | null;
  /** The automation made from it, and what Home Assistant said. */
  automation: { outcome: string; entityId: string | null; message: string } | null;
}

/** What the widget shows of the suggestion book. */
export interface SuggestionsView {
  pending: SuggestionView[];
  answered: SuggestionView[];
}

/** The book's suggestions as the widget shows them; user ids become names where known. */
export function suggestionsView(book: SuggestionBook, names: ReadonlyMap<string, string> = new Map()): SuggestionsView {
  const view = (s: Suggestion): SuggestionView => {
    const guess = s.guess ?? s.score;
    const decided = s.answer?.answer === "approve" || s.answer?.answer === "reject";
    return {
      patternId: s.patternId,
      title: s.title,
      description: s.description,
      score: s.score,
      reasons: s.reasons,
      state: book.stateOf(s),
      askedVia: s.askedVia,
      answer: s.answer && { ...s.answer, name: s.answer.by === null ? null : (names.get(s.answer.by) ?? null) },
      guessedRight: decided && guess !== null ? guess >= 0.5 === (s.answer?.answer === "approve") : null,
      automation: s.automationMade && {
        outcome: s.automationMade.outcome,
        entityId: s.automationMade.entityId,
        message: s.automationMade.message,
      },
    };
  };
  return {
    pending: book.pending().slice(0, PENDING_SHOWN).map(view),
    answered: book
      .answered()
      .filter((s) => s.known)
      .slice(0, ANSWERED_SHOWN)
      .map(view),
  };
}

/** A widget message that presses a suggestion's button, or null when it is another action. */
export function parseSuggestionAction(payload: unknown): SuggestionAction | null {
  if (typeof payload !== "object" || payload === null) return null;
  const { action, patternId } = payload as { action?: unknown; patternId?: unknown };
  if (!SUGGESTION_ACTIONS.includes(action as SuggestionAction["action"])) return null;
  if (patternId === undefined)
    throw new InvalidInputError(
      "msg.payload.patternId",
      `expected the suggestion's id, got ${describeValue(patternId)}`,
    );
  return { action: action as SuggestionAction["action"], patternId: checkId(patternId, "msg.payload.patternId") };
}

/**
 * Records a press: the answer in the book (pressed twice: one decision), approve and reject
 * learned by the model too. Resolves to the widget's output message (wire it to create
 * automation) and the notice for the person who pressed.
 */
export async function answerSuggestion(
  model: PatternModel,
  book: SuggestionBook,
  action: SuggestionAction,
  by: string,
): Promise<{ payload: Record<string, unknown>; pattern: Record<string, unknown> | undefined; text: string }> {
  const { patternId } = action;
  const outcome = await book.answer(patternId, action.action, { by, source: "dashboard" });
  const s = outcome.suggestion;
  if (outcome.decision !== "repeat" && action.action !== "snooze") {
    await model.addFeedback([
      {
        id: `dashboard:${patternId}:${action.action}`,
        patternId,
        label: action.action === "approve" ? 1 : 0,
        source: "dashboard",
        user: by,
      },
    ]);
  }
  const label = action.action === "approve" ? 1 : action.action === "reject" ? 0 : null;
  const payload = { patternId, answer: action.action, by, label, decision: outcome.decision };
  const pattern = s.automation === null ? undefined : { id: patternId, automation: s.automation };
  return { payload, pattern, text: noticeText(action, s, outcome.decision) };
}

function noticeText(action: SuggestionAction, s: Suggestion, decision: string): string {
  if (decision === "repeat") return `"${s.title}" was already answered: one decision kept.`;
  if (action.action === "approve") return `Approved: "${s.title}".`;
  if (action.action === "reject") return `Rejected: "${s.title}" will not be suggested again.`;
  return `Not now: "${s.title}" is asked again later.`;
}

/** The output message of a press, as the dashboard's other buttons send theirs. */
export function suggestionMessage(
  msg: NodeMessage,
  answered: { payload: object; pattern: object | undefined },
): NodeMessage {
  const out: NodeMessage = {
    ...msg,
    topic: (answered.payload as { answer: string }).answer,
    payload: answered.payload,
  };
  if (answered.pattern !== undefined) out.pattern = answered.pattern;
  return out;
}
