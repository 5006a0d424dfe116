import type { PatternModel } from "../../src/model/pattern-model";
import { InvalidInputError } from "../../src/errors";
import { asError } from "../shared/errors";
import { householdNotifier, optionalSetting } from "../shared/home-assistant";
import { askThreshold } from "../shared/messages";
import { findModelNode, openModel } from "../shared/model-node";
import { errorStatus, fitStatus, missingModelStatus, openingStatus, versionLabel } from "../shared/status";
import type { NodeDefinition, NodeMessage, NodeRedApi, RuntimeNode } from "../shared/red";

interface PatternScoreDefinition extends NodeDefinition {
  model?: string;
  threshold?: number | string;
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
      if (typeof record[key] === "string" && (record[key] as string).trim() !== "")
        return (record[key] as string).trim();
    }
  }
  return patternId;
}

/** The configured "ask" threshold: uncertainty above it sends the pattern to the second output. */
export function configuredThreshold(value: unknown): number {
  const threshold =
    typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : 0.5;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new InvalidInputError("pattern-score.threshold", `expected a number from 0 to 1, got ${String(value)}`);
  }
  return threshold;
}

/** Registers `pattern-score`: scores patterns with the active model; uncertain ones go to "ask". */
export default function register(RED: NodeRedApi): void {
  function PatternScore(this: RuntimeNode, definition: PatternScoreDefinition) {
    RED.nodes.createNode(this, definition);
    const modelNode = findModelNode(RED, definition.model);
    let threshold = 0.5;
    let configError: unknown = null;
    try {
      threshold = configuredThreshold(definition.threshold);
    } catch (error) {
      configError = error;
    }

    let household: ReturnType<typeof householdNotifier> = null;
    if (!configError) {
      try {
        household = householdNotifier(RED, this, definition.ha, {
          questionService: optionalSetting(definition.questionService) ?? null,
          ...(optionalSetting(definition.approvePrefix) && {
            approvePrefix: optionalSetting(definition.approvePrefix),
          }),
          ...(optionalSetting(definition.rejectPrefix) && { rejectPrefix: optionalSetting(definition.rejectPrefix) }),
        });
      } catch (error) {
        configError = error;
      }
    }

    if (configError) this.status(errorStatus(configError));
    else if (!modelNode) this.status(missingModelStatus);
    else {
      this.status(openingStatus);
      modelNode.model().then(
        (model) =>
          this.status({ fill: "grey", shape: "dot", text: fitStatus(`ready · ${versionLabel(model.activeVersion)}`) }),
        (error: unknown) => this.status(errorStatus(error)),
      );
    }

    this.on("input", (msg, send, done) => {
      openModel(modelNode, "pattern-score")
        .then(async (model: PatternModel) => {
          if (configError) throw configError;
          const limit = askThreshold(msg.threshold, threshold);
          const batch = Array.isArray(msg.payload);
          const inputs: unknown[] = batch ? (msg.payload as unknown[]) : [msg.payload];
          if (inputs.length === 0)
            throw new InvalidInputError("msg.payload", "the array is empty: send at least one pattern");
          const results = batch ? model.scoreMany(inputs) : [model.score(msg.payload)];
          await model.rememberPatterns(inputs);
          const uncertain = results.filter((result) => result.uncertainty > limit);
          const scored: NodeMessage = { ...msg, payload: batch ? results : results[0] };
          let ask: NodeMessage | null = null;
          if (uncertain.length > 0) {
            ask = {
              ...msg,
              payload: batch ? uncertain : uncertain[0],
              pattern: batch ? inputs.filter((_, i) => results[i].uncertainty > limit) : msg.payload,
            };
          }
          if (household?.notifier.canAsk) {
            results.forEach((result, i) => {
              if (result.uncertainty <= limit || result.patternId === undefined) return;
              household!.notifier
                .ask({ patternId: result.patternId, description: describePattern(inputs[i], result.patternId) })
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
          done();
        })
        .catch((error: unknown) => {
          this.status(errorStatus(error));
          done(asError(error));
        });
    });

    this.on("close", (_removed, done) => {
      household?.release();
      done();
    });
  }

  RED.nodes.registerType("pattern-score", PatternScore);
}
