// The suggestions section: what the household is asked, in its own words, with Approve / Reject
// / Not now; and what it answered, with whether the model had guessed it. Its own styles sit
// here too, so the section travels with them.
import { h, type VNode } from "vue";
import type { SuggestionAction, SuggestionsView, SuggestionView } from "../../nodes/pattern-dashboard/suggestions";
import { when } from "./format";

const STYLE_ID = "pattern-dashboard-suggestions-style";
const CSS = `
.pq-suggestion { padding: 10px 0; border-top: 1px solid rgba(128,128,128,0.25); display: flex; flex-direction: column;
  gap: 6px; }
.pq-suggestion .pq-question { font-weight: 600; font-size: 15px; }
.pq-suggestion .pq-answers { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
.pq-suggestion .pq-answers .pq-btn { width: 100%; padding: 6px 4px; }
.pq-plain { margin: 0; padding-left: 18px; font-size: 12.5px; }
.pq-right { color: #2e7d32; }
.pq-wrong { color: #c62828; }
`;

/** What the section needs: which press is under way, and how to press. */
export interface SuggestionsContext {
  busy: string | null;
  press(action: SuggestionAction): void;
}

function addStyles(): void {
  if (typeof document === "undefined" || document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.appendChild(style);
}

/** "How likely you are to say yes: 76 %", or nothing before the model has scored it. */
function likelihood(score: number | null): string | null {
  return score === null ? null : `How likely you are to say yes: ${Math.round(score * 100)} %`;
}

function pendingItem(s: SuggestionView, context: SuggestionsContext): VNode {
  const answer = (action: SuggestionAction["action"], text: string, quiet: boolean) =>
    h(
      "button",
      {
        type: "button",
        class: quiet ? "pq-btn pq-quiet" : "pq-btn",
        disabled: context.busy !== null,
        "data-answer": action,
        onClick: () => context.press({ action, patternId: s.patternId }),
      },
      text,
    );
  const chance = likelihood(s.score);
  const evidence = s.description.startsWith(`${s.title}: `) ? s.description.slice(s.title.length + 2) : null;
  return h("li", { class: "pq-suggestion", "data-suggestion": s.patternId }, [
    h("p", { class: "pq-question" }, `${s.title}?`),
    evidence ? h("p", { class: "pq-muted" }, evidence) : null,
    chance === null ? null : h("p", chance),
    s.reasons.length
      ? h(
          "ul",
          { class: "pq-plain" },
          s.reasons.map((reason) => h("li", reason)),
        )
      : null,
    s.state === "snoozed" ? h("p", { class: "pq-muted" }, "Not now: asked again later.") : null,
    h("div", { class: "pq-answers" }, [
      answer("approve", "Approve", false),
      answer("reject", "Reject", true),
      answer("snooze", "Not now", true),
    ]),
  ]);
}

function answeredItem(s: SuggestionView): VNode {
  const answer = s.answer!;
  const who = answer.name ?? answer.by ?? "someone";
  const verdict =
    s.guessedRight === null ? null : s.guessedRight ? "The model guessed right." : "The model guessed wrong.";
  const made = s.automation
    ? s.automation.outcome === "refused"
      ? `Automation not created: ${s.automation.message}`
      : `Automation ${s.automation.outcome}${s.automation.entityId ? ` (${s.automation.entityId})` : ""}.`
    : null;
  return h("li", { class: `pq-suggestion pq-${answer.answer}`, "data-answered": s.patternId }, [
    h("p", [h("strong", s.title)]),
    h(
      "p",
      { class: "pq-muted" },
      `${answer.answer === "approve" ? "Approved" : "Rejected"} by ${who} · ${when(answer.at)}`,
    ),
    verdict ? h("p", { class: s.guessedRight ? "pq-right" : "pq-wrong" }, verdict) : null,
    made ? h("p", { class: "pq-muted" }, made) : null,
  ]);
}

/** Pending suggestions with their buttons, then the answered ones. */
export function suggestionBookSection(
  view: SuggestionsView | null | undefined,
  context: SuggestionsContext,
): VNode | null {
  if (!view) return null;
  addStyles();
  return h("section", { class: "pq-section pq-suggestions" }, [
    h("h3", "Suggestions"),
    view.pending.length
      ? h(
          "ul",
          view.pending.map((s) => pendingItem(s, context)),
        )
      : h("p", { class: "pq-muted" }, "Nothing to answer: new suggestions come when routines are found."),
    view.answered.length ? h("h3", { style: "margin-top: 12px" }, "Answered") : null,
    view.answered.length ? h("ul", view.answered.map(answeredItem)) : null,
  ]);
}
