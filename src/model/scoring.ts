import { describeValue, InvalidInputError } from "../errors";
import type { Features } from "../feedback/feedback";
import { strongestReasons } from "../learning/explain";
import type { DecisionBook } from "./decisions";
import type { LiveLearning } from "./live-learning";
import type { PatternMemory } from "./pattern-memory";
import type { ScoreOptions, ScoreReason, ScoreResult } from "./results";
import { parseScoreInput, reasonCount } from "./score-input";

/** What scoring reads: the live learner, the remembered patterns, and where scores are noted. */
export interface ScoringContext {
  live: LiveLearning;
  memory: PatternMemory;
  decisions: DecisionBook;
  activeVersion(): string | null;
}

/**
 * Scores a pattern with the live model (see PatternModel.score). A given patternId with features
 * is remembered in the background for later feedback.
 */
export function scoreOne(context: ScoringContext, input: unknown, field: string, options: ScoreOptions): ScoreResult {
  const { live, memory } = context;
  const reasons = reasonCount(options.reasons);
  const parsed = parseScoreInput(input, field, live.schema, (id) => memory.lookup(id));
  if (parsed.patternId !== undefined && parsed.given) {
    if (!live.schema && parsed.schema) live.adoptSchema(parsed.schema);
    memory.remember(parsed.patternId, parsed.features).catch(() => undefined);
  }
  const explained = reasons > 0 ? explain(live, parsed.features, field, reasons) : null;
  const score = explained ? explained.score : live.predict(parsed.features, field);
  const result: ScoreResult = {
    score,
    label: score >= 0.5 ? "approve" : "reject",
    uncertainty: 1 - Math.abs(2 * score - 1),
    version: live.trained ? context.activeVersion() : null,
  };
  if (parsed.patternId !== undefined) result.patternId = parsed.patternId;
  if (explained) {
    result.reasons = explained.reasons;
    result.baseScore = explained.baseScore;
    result.otherContribution = explained.otherContribution;
  }
  context.decisions.noteScore(result);
  return result;
}

/** Scores a batch; a bad item throws InvalidInputError naming it (`payload[2].…`), nothing remembered. */
export function scoreBatch(context: ScoringContext, inputs: readonly unknown[], options: ScoreOptions): ScoreResult[] {
  if (!Array.isArray(inputs)) {
    throw new InvalidInputError("payload", `expected a list of patterns, got ${describeValue(inputs)}`);
  }
  reasonCount(options.reasons);
  const lookup = (id: string) => context.memory.lookup(id);
  for (const [i, input] of inputs.entries()) parseScoreInput(input, `payload[${i}]`, context.live.schema, lookup);
  return inputs.map((input, i) => scoreOne(context, input, `payload[${i}]`, options));
}

/** The score taken apart: the live learner's explanation and its `count` strongest reasons (none while untrained). */
function explain(
  live: LiveLearning,
  features: Features,
  field: string,
  count: number,
): { score: number; reasons: ScoreReason[]; baseScore: number; otherContribution: number } {
  const { learner, schema } = live;
  if (!learner || !schema) return { score: 0.5, reasons: [], baseScore: 0.5, otherContribution: 0 };
  const x = schema.vector(features, field);
  const explanation = learner.explain(x);
  const { reasons, others } = strongestReasons(explanation, schema, x, count);
  return { score: explanation.proba, reasons, baseScore: explanation.base, otherContribution: others };
}
