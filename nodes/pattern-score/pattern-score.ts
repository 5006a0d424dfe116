import { HA_FEEDBACK_SPEC, SCORE_SPEC } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";
import { asError } from "../shared/errors";
import { householdNotifier, optionalSetting, findHaNode, withConnectionStatus } from "../shared/home-assistant";
import { askThreshold } from "../shared/messages";
import { type FormSpec, formValue } from "../shared/form";
import { bindModel } from "../shared/model-node";
import { fitStatus, versionLabel } from "../shared/status";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeMessage, NodeRedApi, RuntimeNode } from "../shared/red";

interface PatternScoreDefinition extends NodeDefinition {
  model?: string;
  threshold?: number | string;
  /** Reasons per score: the features that moved it most (0: none). */
  reasons?: number | string;
  /** Optional `pattern-quality-ha` connection: uncertain patterns are also asked on a phone. */
  ha?: string;
  /** The notify service of the phone to ask (e.g. notify.mobile_app_anna). */
  questionService?: string;
  approvePrefix?: string;
  rejectPrefix?: string;
}

/** The words a question shows for a pattern: its description or name, else its id. */
function describePattern(input: unknown, patternId: string): string {
  if (typeof input === "object" && input !== null) {
    const record = input as Record<string, unknown>;
    for (const key of ["description", "name", "title"]) {
      const words = trimmedText(record[key]);
      if (words) return words;
    }
  }
  return patternId;
}

/**
 * What a question shows: a mined routine's title as the question, with the evidence its
 * description adds; else the pattern's description or name.
 */
function questionOf(input: unknown, patternId: string): { question?: string; evidence?: string; description: string } {
  const description = describePattern(input, patternId);
  const record = typeof input === "object" && input !== null ? (input as Record<string, unknown>) : {};
  const title = trimmedText(record.title);
  if (title === undefined) return { description };
  const evidence = description.startsWith(`${title}: `) ? description.slice(title.length + 2) : undefined;
  return { question: title, description, ...(evidence !== undefined && { evidence }) };
}

/** The node's form fields that are settings: the ask threshold, the reasons per score, the answer buttons' prefixes. */
export const PATTERN_SCORE_FORM = {
  threshold: { setting: SCORE_SPEC.askThreshold },
  reasons: { setting: SCORE_SPEC.reasons },
  approvePrefix: { setting: HA_FEEDBACK_SPEC.notificationAction.approvePrefix },
  rejectPrefix: { setting: HA_FEEDBACK_SPEC.notificationAction.rejectPrefix },
} as const satisfies FormSpec;

/** The configured "ask" threshold: uncertainty above it sends the pattern to the second output. */
export function configuredThreshold(value: unknown): number {
  const { setting } = PATTERN_SCORE_FORM.threshold;
  return formValue(value, setting, "pattern-score.threshold") ?? setting.default;
}

/** Registers `pattern-score`: scores patterns with the active model; uncertain ones go to "ask". */
export default function register(RED: NodeRedApi): void {
  function PatternScore(this: RuntimeNode, definition: PatternScoreDefinition) {
    RED.nodes.createNode(this, definition);
    const F = PATTERN_SCORE_FORM;
    let threshold = F.threshold.setting.default;
    let reasons = F.reasons.setting.default;
    let household: ReturnType<typeof householdNotifier> = null;
    let configError: unknown = null;
    try {
      threshold = configuredThreshold(definition.threshold);
      reasons = formValue(definition.reasons, F.reasons.setting, "pattern-score.reasons") ?? reasons;
      const approvePrefix = formValue(definition.approvePrefix, F.approvePrefix.setting, "pattern-score.approvePrefix");
      const rejectPrefix = formValue(definition.rejectPrefix, F.rejectPrefix.setting, "pattern-score.rejectPrefix");
      household = householdNotifier(RED, this, definition.ha, {
        questionService: optionalSetting(definition.questionService) ?? null,
        ...(approvePrefix && { approvePrefix }),
        ...(rejectPrefix && { rejectPrefix }),
      });
    } catch (error) {
      configError = error;
    }

    bindModel(RED, this, {
      type: "pattern-score",
      modelId: definition.model,
      configError,
      // An unconfigured or unreachable Home Assistant connection shows instead of "ready".
      opened: (model) =>
        this.status(
          withConnectionStatus(
            { fill: "grey", shape: "dot", text: fitStatus(`ready · ${versionLabel(model.activeVersion)}`) },
            findHaNode(RED, definition.ha),
          ),
        ),
      input: async (model, msg, send) => {
        const limit = askThreshold(msg.threshold, threshold);
        const batch = Array.isArray(msg.payload);
        const inputs: unknown[] = batch ? (msg.payload as unknown[]) : [msg.payload];
        if (inputs.length === 0) {
          // A detector that found nothing yet sends an empty batch: nothing to score, nothing to ask.
          this.status({ fill: "grey", shape: "dot", text: "0 scored" });
          send([{ ...msg, payload: [] }, null]);
          return;
        }
        const options = { reasons };
        const results = batch ? model.scoreMany(inputs, options) : [model.score(msg.payload, "payload", options)];
        await model.rememberPatterns(inputs);
        const uncertain = results.filter((result) => result.uncertainty > limit);
        // The patterns go along, so the flow can show a suggestion's words or build its automation.
        const scored: NodeMessage = { ...msg, payload: batch ? results : results[0], pattern: msg.payload };
        let ask: NodeMessage | null = null;
        if (uncertain.length > 0) {
          ask = {
            ...msg,
            payload: batch ? uncertain : uncertain[0],
            pattern: batch ? inputs.filter((_, i) => results[i].uncertainty > limit) : msg.payload,
          };
        }
        if (household?.notifier.canAsk) {
          const notifier = household.notifier;
          results.forEach((result, i) => {
            if (result.uncertainty <= limit || result.patternId === undefined) return;
            notifier
              .ask({ patternId: result.patternId, ...questionOf(inputs[i], result.patternId) })
              .catch((error: unknown) =>
                this.warn(
                  `could not ask about pattern ${result.patternId} in Home Assistant: ${asError(error).message}`,
                ),
              );
          });
        }
        const last = results[results.length - 1];
        this.status({
          fill: uncertain.length > 0 ? "yellow" : "green",
          shape: "dot",
          text: fitStatus(
            batch ? `${results.length} scored · ${uncertain.length} ask` : `${last.score.toFixed(2)} ${last.label}`,
          ),
        });
        send([scored, ask]);
      },
      close: () => household?.release(),
    });
  }

  registerWithNodeCheck(RED, "pattern-score", PatternScore);
}
