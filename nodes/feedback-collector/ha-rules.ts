import { haFeedbackRules, type HaFeedbackRules } from "../../src/ha/feedback-events";
import { parseFeatureNames } from "../pattern-model/settings";
import type { NodeDefinition } from "../shared/red";

/** The Home Assistant part of the feedback-collector form, as the editor saves it. */
export interface HaSourceDefinition extends NodeDefinition {
  notificationAction?: boolean;
  approvePrefix?: string;
  rejectPrefix?: string;
  customEvent?: boolean;
  customEventType?: string;
  helperEntities?: boolean;
  entityIds?: string;
  patternAttribute?: string;
  decisionAttribute?: string;
  implicit?: boolean;
  entityTemplate?: string;
  implicitDays?: number | string;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * The rules that turn Home Assistant events into feedback, from the form: empty fields take the
 * defaults; bad ones throw InvalidInputError naming the rule (e.g. `rules.implicit.entityTemplate`).
 */
export function haRulesFromDefinition(definition: HaSourceDefinition): HaFeedbackRules {
  const days =
    definition.implicitDays === undefined || definition.implicitDays === ""
      ? undefined
      : Number(definition.implicitDays);
  return haFeedbackRules({
    notificationAction: {
      enabled: definition.notificationAction !== false,
      ...(text(definition.approvePrefix) && { approvePrefix: text(definition.approvePrefix) }),
      ...(text(definition.rejectPrefix) && { rejectPrefix: text(definition.rejectPrefix) }),
    },
    customEvent: {
      enabled: definition.customEvent !== false,
      ...(text(definition.customEventType) && { eventType: text(definition.customEventType) }),
    },
    helperEntities: {
      enabled: definition.helperEntities === true,
      entityIds: parseFeatureNames(definition.entityIds),
      ...(text(definition.patternAttribute) && { patternAttribute: text(definition.patternAttribute) }),
      ...(text(definition.decisionAttribute) && { decisionAttribute: text(definition.decisionAttribute) }),
    },
    implicit: {
      enabled: definition.implicit === true,
      ...(text(definition.entityTemplate) && { entityTemplate: text(definition.entityTemplate) }),
      ...(days !== undefined && { days }),
    },
  });
}
