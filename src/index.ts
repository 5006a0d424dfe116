/**
 * The core of node-red-contrib-pattern-quality, usable without Node-RED: a plain Node script,
 * the CLI, or a test. The Node-RED nodes in nodes/ are thin adapters over these classes. Test
 * tooling (the Home Assistant simulator, synthetic streams) is behind the "./testing" entry.
 */
export * from "./errors";
export { parseLabel, type Feedback, type Features, type Label } from "./feedback/feedback";
export { FeedbackLog, type StoredFeedback } from "./feedback/log";
export { PatternCache } from "./feedback/pattern-cache";
export {
  defaultHaFeedbackRules,
  feedbackFromHaEvent,
  haFeedbackRules,
  type HaEvent,
  type HaFeedbackRules,
} from "./ha/feedback-events";
export { FeatureSchema } from "./features/schema";
export {
  STANDARD_PATTERN_FEATURES,
  isPattern,
  patternFeatures,
  standardPatternSchema,
  type Pattern,
} from "./features/pattern-features";
export { PatternLearner, type ModelJSON } from "./learning/learner";
export { DEFAULT_FOREST_PARAMS, type ForestParams } from "./learning/params";
export { TrainingHistory } from "./learning/history";
export { Trainer } from "./learning/trainer";
export { PrequentialMonitor, type MonitorSnapshot } from "./learning/monitor";
export { Adwin } from "./learning/adwin";
export { TimingStats } from "./learning/timing";
export { VersionRegistry } from "./versions/registry";
export {
  PatternModel,
  type AddFeedbackResult,
  type Decision,
  type DecisionsView,
  type ModelMetrics,
  type PersonDecisions,
  type ScoreReason,
  type ScoreResult,
  type UpdateResult,
} from "./model/pattern-model";
export type { HoldState, VersionEntry, VersionEvaluation, VersionLive } from "./versions/registry";
export type { PatternModelSettings } from "./model/settings";
export type { Alert, AlertType } from "./model/alerts";
export { HomeAssistantConnection, type HaConnectionStatus } from "./ha/connection";
export { HomeAssistantError } from "./ha/errors";
export { HaFeedbackSource } from "./ha/feedback-source";
export { HouseholdNotifier } from "./ha/notifier";
export { householdNames } from "./ha/people";
