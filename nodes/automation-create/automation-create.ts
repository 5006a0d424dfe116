import { InvalidInputError, PatternQualityError } from "../../src/errors";
import { automationEntityId, createAutomation } from "../../src/ha/automation-config";
import { AUTOMATION_TRIGGERED_EVENT, type HaEvent } from "../../src/ha/feedback-events";
import { AutomationWatch } from "../../src/ha/implicit-feedback";
import type { PatternModel } from "../../src/model/pattern-model";
import { AUTOMATION_FEEDBACK_SPEC } from "../../src/settings/spec";
import type { Feedback } from "../../src/feedback/feedback";
import { asError } from "../shared/errors";
import { type FormSpec, formValue } from "../shared/form";
import { findHaNode, withConnectionStatus } from "../shared/home-assistant";
import { findModelNode } from "../shared/model-node";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeMessage, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";
import { errorStatus, fitStatus } from "../shared/status";
import { type BookHold, holdBook } from "../shared/suggestions";
import { type Approval, approvalOf } from "./approval";

interface AutomationCreateDefinition extends NodeDefinition {
  ha?: string;
  /** Optional: the model whose suggestion book remembers the automation and learns from its fate. */
  model?: string;
  /** Learn from what becomes of the automation (kept, turned off, deleted, undone by hand). */
  learnFate?: boolean;
  [setting: string]: unknown;
}

/** The node's form fields that are settings. */
export const AUTOMATION_CREATE_FORM = {
  keptDays: { setting: AUTOMATION_FEEDBACK_SPEC.keptDays },
  undoMinutes: { setting: AUTOMATION_FEEDBACK_SPEC.undoMinutes },
} as const satisfies FormSpec;

const SWEEP_MS = 60 * 60 * 1000;

/** A refusal's status: what a person must fix, in under 20 characters. */
function refusedStatus(error: unknown): NodeStatus {
  const code = error instanceof PatternQualityError ? error.code : "";
  const text =
    code === "ha-unauthorized"
      ? "refused: needs admin"
      : code === "automation-id-in-use"
        ? "refused: id in use"
        : code === "ha-refused"
          ? "refused by HA"
          : errorStatus(error).text;
  return { fill: "red", shape: "ring", text: fitStatus(text ?? "failed") };
}

/**
 * Registers `automation-create` ("create automation"): an approved suggestion becomes a real
 * automation in Home Assistant (its config API, idempotent under the suggestion's id). Output 1:
 * the outcome of each message (created, updated, refused with Home Assistant's words, or skipped
 * for an answer that is not an approval); output 2: what the automations' fate taught the model.
 */
export default function register(RED: NodeRedApi): void {
  function AutomationCreate(this: RuntimeNode, definition: AutomationCreateDefinition) {
    RED.nodes.createNode(this, definition);
    const haNode = findHaNode(RED, definition.ha);
    const modelNode = findModelNode(RED, definition.model);
    let configError: Error | null = null;
    let keptDays = AUTOMATION_CREATE_FORM.keptDays.setting.default;
    let undoMinutes = AUTOMATION_CREATE_FORM.undoMinutes.setting.default;
    try {
      if (haNode === null)
        throw new InvalidInputError(
          "automation-create.ha",
          "no Home Assistant connection chosen: open the node and choose one",
        );
      const F = AUTOMATION_CREATE_FORM;
      keptDays = formValue(definition.keptDays, F.keptDays.setting, "automation-create.keptDays") ?? keptDays;
      undoMinutes =
        formValue(definition.undoMinutes, F.undoMinutes.setting, "automation-create.undoMinutes") ?? undoMinutes;
    } catch (error) {
      configError = asError(error);
      this.status(errorStatus(error));
    }
    const connection = haNode?.connection ?? null;
    let own: NodeStatus = { fill: "grey", shape: "dot", text: "ready" };
    const show = (status: NodeStatus) => {
      own = status;
      this.status(withConnectionStatus(status, haNode));
    };
    if (configError === null) show(own);

    let model: PatternModel | null = null;
    let hold: Promise<BookHold> | null = null;
    const book = async () => {
      if (modelNode === null) return null;
      model ??= await modelNode.model();
      hold ??= holdBook(model);
      return (await hold).book;
    };

    // The automations' fate: kept, turned off, deleted, or undone by hand.
    const learnFate =
      configError === null && definition.learnFate !== false && modelNode !== null && connection !== null;
    const watch = new AutomationWatch(
      { enabled: true, entityTemplate: "automation.pattern_quality_{id}", days: keptDays },
      Date.now,
      { undoMs: undoMinutes * 60_000 },
    );
    const learn = (feedback: Feedback) => {
      const decided = { ...feedback, source: feedback.source };
      modelNode!
        .model()
        .then((opened) => opened.addFeedback([decided]))
        .then(() => {
          this.send([null, { topic: "implicit", payload: decided }]);
        })
        .catch((error: unknown) =>
          this.warn(`could not learn from ${feedback.patternId}'s automation: ${asError(error).message}`),
        );
    };
    const observe = (event: HaEvent) => {
      const feedback = watch.observe(event);
      if (feedback !== null) learn(feedback);
    };
    const trackKnown = async () => {
      const opened = await book();
      if (opened === null || connection === null) return;
      for (const s of opened.all()) {
        const made = s.automationMade;
        // Refused ones made nothing; those whose fate was already learned are decided.
        if (!made || made.outcome === "refused" || s.answer?.source.startsWith("ha:implicit")) continue;
        const entityId = made.entityId ?? (await automationEntityId(connection, made.automationId));
        if (entityId !== null) watch.track(entityId, s.patternId, Date.parse(made.at));
      }
    };
    const unsubscribes: Promise<() => Promise<void>>[] = [];
    let sweep: NodeJS.Timeout | undefined;
    const onStatus = (status: { state: string }) => {
      this.status(withConnectionStatus(own, haNode));
      if (learnFate && status.state === "connected") void trackKnown().catch(() => undefined);
    };
    if (connection !== null && configError === null) {
      haNode!.register(this);
      connection.on("status", onStatus);
      if (learnFate) {
        for (const type of ["state_changed", "entity_registry_updated", AUTOMATION_TRIGGERED_EVENT])
          unsubscribes.push(
            connection.subscribeEvents(type, observe).catch((error: unknown) => {
              this.warn(`cannot watch the automations (${type}): ${asError(error).message}`);
              return async () => undefined;
            }),
          );
        sweep = setInterval(() => {
          for (const feedback of watch.due()) learn(feedback);
        }, SWEEP_MS);
        sweep.unref();
        if (connection.connected) void trackKnown().catch(() => undefined);
      }
    }

    const create = async (msg: NodeMessage): Promise<NodeMessage> => {
      if (configError !== null) throw configError;
      if (connection === null) throw haNode?.configError ?? new Error("Home Assistant connection not configured");
      const approval: Approval = approvalOf(msg);
      const opened = await book();
      const base = { patternId: approval.patternId };
      if (!approval.approved) {
        return { ...msg, payload: { ...base, outcome: "skipped", message: "Not an approval: nothing created." } };
      }
      const known = opened?.get(approval.patternId);
      const automation = approval.automation ?? known?.automation ?? null;
      if (automation === null && opened !== null && !known?.known) {
        // An answer to a suggestion that is no longer there (the book kept the answer): nothing to make.
        const message = `Suggestion ${approval.patternId} is no longer known: nothing created.`;
        show({ fill: "yellow", shape: "ring", text: "unknown suggestion" });
        return { ...msg, payload: { ...base, outcome: "skipped", message } };
      }
      if (automation === null) {
        throw new InvalidInputError(
          "msg.pattern.automation",
          `no proposed automation known for suggestion ${approval.patternId}: send the pattern with it (msg.pattern)`,
        );
      }
      try {
        const result = await createAutomation(connection, approval.patternId, automation);
        await opened?.recordAutomation(approval.patternId, { ...result, message: "" });
        if (result.entityId !== null && learnFate) watch.track(result.entityId, approval.patternId);
        show({ fill: "green", shape: "dot", text: fitStatus(`${result.outcome} · ${result.alias}`) });
        return { ...msg, payload: { ...base, ...result, message: `${result.outcome}: ${result.alias}` } };
      } catch (error) {
        if (!(error instanceof PatternQualityError) || error instanceof InvalidInputError) throw error;
        // Home Assistant said no: the answer stays, the outcome says why; a person acts on it.
        const message = error.message;
        await opened?.recordAutomation(approval.patternId, {
          automationId: `pattern_quality_${approval.patternId}`,
          entityId: null,
          outcome: "refused",
          message,
        });
        show(refusedStatus(error));
        return { ...msg, payload: { ...base, outcome: "refused", code: error.code, message } };
      }
    };

    this.on("input", (msg, send, done) => {
      create(msg)
        .then((out) => {
          send([out, null]);
          done();
        })
        .catch((error: unknown) => {
          show(errorStatus(error));
          done(asError(error));
        });
    });

    this.on("close", (_removed, done) => {
      clearInterval(sweep);
      connection?.off("status", onStatus);
      if (haNode !== null && connection !== null) haNode.deregister(this);
      const offs = Promise.all(unsubscribes.map((p) => p.then((off) => off()).catch(() => undefined)));
      const released = hold ? hold.then((h) => h.release()).catch(() => undefined) : Promise.resolve();
      void Promise.all([offs, released]).finally(() => done());
    });
  }

  registerWithNodeCheck(RED, "automation-create", AutomationCreate);
}
