import { haFeedbackRules, type HaFeedbackRules } from "../../src/ha/feedback-events";
import { HA_FEEDBACK_SPEC } from "../../src/settings/spec";
import { parseFeatureNames } from "../pattern-model/settings";
import { type FormSpec, formValue } from "../shared/form";
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

const HA = HA_FEEDBACK_SPEC;

/** The Home Assistant part of the form: each field and the rule it sets (defaults and limits there). */
export const HA_SOURCE_FORM = {
  notificationAction: { setting: HA.notificationAction.enabled },
  approvePrefix: { setting: HA.notificationAction.approvePrefix },
  rejectPrefix: { setting: HA.notificationAction.rejectPrefix },
  customEvent: { setting: HA.customEvent.enabled },
  customEventType: { setting: HA.customEvent.eventType },
  helperEntities: { setting: HA.helperEntities.enabled },
  patternAttribute: { setting: HA.helperEntities.patternAttribute },
  decisionAttribute: { setting: HA.helperEntities.decisionAttribute },
  implicit: { setting: HA.implicit.enabled },
  entityTemplate: { setting: HA.implicit.entityTemplate },
  implicitDays: { setting: HA.implicit.days },
} as const satisfies FormSpec;

type FormKey = keyof typeof HA_SOURCE_FORM;

/**
 * The rules that turn Home Assistant events into feedback, from the form: empty or missing
 * fields (an older flow) take the defaults; bad ones throw InvalidInputError naming the rule
 * (e.g. `rules.implicit.entityTemplate`).
 */
export function haRulesFromDefinition(definition: HaSourceDefinition): HaFeedbackRules {
  // Named by the rule, as the core names its own checks of the same rules.
  const read = <K extends FormKey>(
    key: K,
    rule: string,
  ): (typeof HA_SOURCE_FORM)[K]["setting"]["default"] | undefined =>
    formValue(definition[key], HA_SOURCE_FORM[key].setting, `rules.${rule}`);
  return haFeedbackRules({
    notificationAction: given({
      enabled: read("notificationAction", "notificationAction.enabled"),
      approvePrefix: read("approvePrefix", "notificationAction.approvePrefix"),
      rejectPrefix: read("rejectPrefix", "notificationAction.rejectPrefix"),
    }),
    customEvent: given({
      enabled: read("customEvent", "customEvent.enabled"),
      eventType: read("customEventType", "customEvent.eventType"),
    }),
    helperEntities: given({
      enabled: read("helperEntities", "helperEntities.enabled"),
      entityIds: parseFeatureNames(definition.entityIds),
      patternAttribute: read("patternAttribute", "helperEntities.patternAttribute"),
      decisionAttribute: read("decisionAttribute", "helperEntities.decisionAttribute"),
    }),
    implicit: given({
      enabled: read("implicit", "implicit.enabled"),
      entityTemplate: read("entityTemplate", "implicit.entityTemplate"),
      days: read("implicitDays", "implicit.days"),
    }),
  });
}

/** The rules given, without the blank ones (which would override the defaults with undefined). */
function given<T extends object>(rules: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(rules).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
