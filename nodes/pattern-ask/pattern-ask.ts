import type { HaEvent } from "../../src/ha/feedback-events";
import { feedbackFromHaEvent, haFeedbackRules, NOTIFICATION_ACTION_EVENT } from "../../src/ha/feedback-events";
import { questionText } from "../../src/ha/notifier";
import type { PatternModel } from "../../src/model/pattern-model";
import { ASK_SPEC, HA_FEEDBACK_SPEC } from "../../src/settings/spec";
import { answerOfAction, chooseToday, evidenceOf, offersOf } from "../../src/suggestions/asking";
import type { Suggestion } from "../../src/suggestions/book";
import { asError } from "../shared/errors";
import { type FormSpec, formValue } from "../shared/form";
import { findHaNode, householdNotifier, optionalSetting, withConnectionStatus } from "../shared/home-assistant";
import { bindModel } from "../shared/model-node";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";
import { fitStatus } from "../shared/status";
import { type BookHold, holdBook } from "../shared/suggestions";

interface PatternAskDefinition extends NodeDefinition {
  model?: string;
  /** Optional `pattern-quality-ha` connection: questions go to a phone through it. */
  ha?: string;
  /** The phone's notify service, chosen in the editor from Home Assistant's `notify.mobile_app_*`. */
  notifyService?: string;
  [setting: string]: unknown;
}

/** The node's form fields that are settings. */
export const PATTERN_ASK_FORM = {
  asksPerDay: { setting: ASK_SPEC.asksPerDay },
  snoozeDays: { setting: ASK_SPEC.snoozeDays },
  approvePrefix: { setting: HA_FEEDBACK_SPEC.notificationAction.approvePrefix },
  rejectPrefix: { setting: HA_FEEDBACK_SPEC.notificationAction.rejectPrefix },
  snoozePrefix: { setting: ASK_SPEC.snoozePrefix },
} as const satisfies FormSpec;

/** The saved form as settings (blank fields take the defaults); InvalidInputError names a bad field. */
export function askSettings(definition: Record<string, unknown>) {
  const F = PATTERN_ASK_FORM;
  const read = <K extends keyof typeof F>(key: K) =>
    formValue(definition[key], F[key].setting, `pattern-ask.${key}`) ?? F[key].setting.default;
  return {
    asksPerDay: read("asksPerDay") as number,
    snoozeDays: read("snoozeDays") as number,
    approvePrefix: read("approvePrefix") as string,
    rejectPrefix: read("rejectPrefix") as string,
    snoozePrefix: read("snoozePrefix") as string,
  };
}

/** A suggestion as the node's outputs carry it: its words, score, reasons and where it stands. */
export function suggestionMessage(suggestion: Suggestion): Record<string, unknown> {
  return {
    patternId: suggestion.patternId,
    question: questionText(suggestion.title, evidenceOf(suggestion)),
    title: suggestion.title,
    description: suggestion.description,
    score: suggestion.score,
    reasons: suggestion.reasons,
    automation: suggestion.automation,
    askedVia: suggestion.askedVia,
    answer: suggestion.answer,
  };
}

/**
 * Registers `pattern-ask` ("ask household"): takes pattern-score's scored patterns, keeps them
 * in the suggestion book, asks the day's best few on a phone in words with Approve / Reject /
 * Not now, and reports the household's answers (the model learns approve and reject at once).
 */
export default function register(RED: NodeRedApi): void {
  function PatternAsk(this: RuntimeNode, definition: PatternAskDefinition) {
    RED.nodes.createNode(this, definition);
    const haNode = findHaNode(RED, definition.ha);
    let settings = askSettings({});
    let household: ReturnType<typeof householdNotifier> = null;
    let configError: unknown = null;
    try {
      settings = askSettings(definition);
      household = householdNotifier(RED, this, definition.ha, {
        questionService: optionalSetting(definition.notifyService) ?? null,
        approvePrefix: settings.approvePrefix,
        rejectPrefix: settings.rejectPrefix,
        snoozePrefix: settings.snoozePrefix,
        title: "Suggestion",
      });
    } catch (error) {
      configError = error;
    }
    const rules = haFeedbackRules({
      notificationAction: { approvePrefix: settings.approvePrefix, rejectPrefix: settings.rejectPrefix },
      customEvent: { enabled: false },
    });

    let hold: Promise<BookHold> | null = null;
    const bookOf = (model: PatternModel) => {
      hold ??= holdBook(model, { snoozeDays: settings.snoozeDays });
      return hold.then((h) => h.book);
    };
    let own: NodeStatus = { fill: "grey", shape: "dot", text: "ready" };
    const show = (status: NodeStatus) => {
      own = status;
      this.status(withConnectionStatus(status, haNode));
    };

    /** One answer from the phone: approve and reject are learned, Not now snoozes; all go out on output 2. */
    const onAction = (model: PatternModel, event: HaEvent) => {
      const answered = answerOfAction(event.data.action, settings);
      if (answered === null) return;
      const by = typeof event.context?.user_id === "string" ? event.context.user_id : null;
      const handle = async () => {
        const book = await bookOf(model);
        if (answered.answer === "snooze") {
          await book.answer(answered.patternId, "snooze", { by, source: "phone" });
        } else {
          const feedback = feedbackFromHaEvent(event, rules);
          if (feedback !== null) await model.addFeedback([feedback]);
          // The book follows the model's feedback; an answer it already had is one decision.
          await book.answer(answered.patternId, answered.answer, { by, source: "phone" });
        }
        const suggestion = book.get(answered.patternId);
        show({ fill: "green", shape: "dot", text: fitStatus(`${answered.answer} · ${answered.patternId}`) });
        this.send([
          null,
          {
            topic: answered.answer,
            payload: {
              patternId: answered.patternId,
              answer: answered.answer,
              by,
              label: answered.answer === "approve" ? 1 : answered.answer === "reject" ? 0 : null,
            },
            pattern: suggestion ? { id: suggestion.patternId, automation: suggestion.automation } : undefined,
            suggestion: suggestion ? suggestionMessage(suggestion) : undefined,
          },
        ]);
      };
      handle().catch((error: unknown) => this.error(`could not keep the answer: ${asError(error).message}`));
    };

    let unsubscribe: (() => Promise<void>) | null = null;
    let closed = false;
    const onStatus = () => this.status(withConnectionStatus(own, haNode));
    haNode?.connection?.on("status", onStatus);
    bindModel(RED, this, {
      type: "pattern-ask",
      modelId: definition.model,
      configError,
      opened: (model) => {
        show({ fill: "grey", shape: "dot", text: household?.notifier.canAsk ? "ready · phone" : "ready · dashboard" });
        const connection = haNode?.connection;
        if (connection && household) {
          void connection
            .subscribeEvents(NOTIFICATION_ACTION_EVENT, (event) => onAction(model, event))
            .then((off) => {
              if (closed) void off();
              else unsubscribe = off;
            })
            .catch((error: unknown) => this.warn(`cannot receive the phone's answers: ${asError(error).message}`));
        }
      },
      input: async (model, msg, send) => {
        const book = await bookOf(model);
        await book.offer(offersOf(msg.payload, msg.pattern));
        const chosen = chooseToday(book, { asksPerDay: settings.asksPerDay, modelReady: model.activeVersion !== null });
        const phone = household?.notifier.canAsk ? household.notifier : null;
        const asked: string[] = [];
        for (const suggestion of chosen) {
          if (phone === null) {
            asked.push(suggestion.patternId);
            continue;
          }
          try {
            await phone.ask({
              patternId: suggestion.patternId,
              question: suggestion.title,
              evidence: evidenceOf(suggestion),
            });
            asked.push(suggestion.patternId);
          } catch (error) {
            // Not asked: it stays a candidate for the next run (no retry loop here).
            this.warn(`could not ask about ${suggestion.patternId} on the phone: ${asError(error).message}`);
          }
        }
        const recorded = await book.recordAsked(asked, phone === null ? "dashboard" : "phone");
        const pending = book.pending().length;
        show({
          fill: recorded.length > 0 ? "blue" : "grey",
          shape: "dot",
          text: fitStatus(`${recorded.length} asked · ${pending} pending`),
        });
        send([
          {
            ...msg,
            topic: "asked",
            payload: recorded.map(suggestionMessage),
            pending,
            asksPerDay: settings.asksPerDay,
          },
          null,
        ]);
      },
      close: async () => {
        closed = true;
        haNode?.connection?.off("status", onStatus);
        household?.release();
        await unsubscribe?.();
        if (hold) await (await hold.catch(() => null))?.release();
      },
    });
  }

  registerWithNodeCheck(RED, "pattern-ask", PatternAsk);
}
