/**
 * One household's loop, day by day in simulated time: at 03:00 the miner reads the logbook up
 * to that moment and mines (ids carried over from the day before), each ranking chooses the
 * day's asks among the suggestions it has not had answered yet, and the household answers them
 * by its taste. A rejected suggestion is never asked again; an approved one is done. Every
 * ranking sees the same mined suggestions on the same day and gets the same answer to the same
 * suggestion; the rankings with a model each feed their own PatternModel, answer by answer.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Features } from "../../src/feedback/feedback";
import { patternFeatures } from "../../src/features/pattern-features";
import { RoutineMiner } from "../../src/mining/miner";
import type { MinedPattern } from "../../src/mining/routine";
import { PatternModel } from "../../src/model/pattern-model";
import type { PatternModelSettings } from "../../src/model/settings";
import { type AskCandidate, chooseAsks } from "../../src/suggestions/ranking";
import { SeededRandom } from "../../src/testing/simulation/random";
import { answer, type LoopHome, type TasteName } from "./household";

const DAY_MS = 86_400_000;
/** When the miner runs each day (the product's default, 03:00). */
const MINE_AT_MS = 3 * 3_600_000;

/** How a ranking picks the day's asks. */
export type RankingName = "model" | "model10" | "model10Explore" | "model10AtOnce" | "confidence" | "random" | "oracle";

/** A ranking: how it orders, and the model settings it learns with (none for the model-free ones). */
export interface Ranking {
  name: RankingName;
  /** Model settings beside the store directory; undefined: no model. */
  model?: Omit<PatternModelSettings, "storeDir">;
  /** With a model: set one ask a day aside for the most uncertain suggestion (chooseAsks does not). */
  explore?: boolean;
}

/** The rankings, each run in the same loop. */
export const RANKINGS: readonly Ranking[] = [
  // The product with its default settings: when its first version is trained is the model's own rule.
  { name: "model", model: {} },
  // The product with updates every 10 answers: the first version after the 10th (minSamples).
  { name: "model10", model: { updateThreshold: 10 } },
  { name: "model10Explore", model: { updateThreshold: 10 }, explore: true },
  // What the trial costs: every new version live at once, as the guardrail section's "at once".
  { name: "model10AtOnce", model: { updateThreshold: 10, guardrail: { samples: 1, maxDropPoints: 100 } } },
  { name: "confidence" },
  { name: "random" },
  { name: "oracle" },
];

/** One ask and its answer. */
export interface Ask {
  day: number;
  patternId: string;
  approved: boolean;
  /** The model's P(approve) when it was asked (rankings with a model), else null. */
  score: number | null;
  /** The model's live version that ranked it (null: untrained, or no model). */
  version: string | null;
}

/** What one home's loop gave each ranking. */
export interface HomeLoop {
  seed: number;
  taste: TasteName;
  /** Distinct suggestions the miner made over the loop, and how many the taste wanted (as first mined). */
  suggestions: number;
  wanted: number;
  days: number;
  asks: Record<string, Ask[]>;
}

/** How long and how wide the loop runs. */
export interface LoopOptions {
  loopStartMs: number;
  loopDays: number;
  asksPerDay: number;
  /** Asks per ranking after which it stops. */
  asks: number;
}

interface Arm {
  ranking: Ranking;
  answered: Set<string>;
  asks: Ask[];
  model: PatternModel | null;
  dir: string | null;
}

/** Runs one home's loop for every ranking. */
export async function runHomeLoop(
  home: LoopHome,
  taste: TasteName,
  rankings: readonly Ranking[],
  options: LoopOptions,
): Promise<HomeLoop> {
  const miner = new RoutineMiner(home.registry);
  const rng = new SeededRandom(home.seed * 7919 + 1);
  const arms: Arm[] = [];
  try {
    for (const ranking of rankings) {
      const dir = ranking.model ? await mkdtemp(path.join(tmpdir(), "pq-loop-")) : null;
      const model = dir ? await PatternModel.open({ ...ranking.model, storeDir: dir }) : null;
      arms.push({ ranking, answered: new Set(), asks: [], model, dir });
    }
    let read = 0;
    let known: MinedPattern[] = [];
    const firstWanted = new Map<string, boolean>();
    let day = 0;
    for (; day < options.loopDays && arms.some((a) => a.asks.length < options.asks); day++) {
      const nowMs = options.loopStartMs + day * DAY_MS + MINE_AT_MS;
      while (read < home.logbook.length && (home.logbook[read]!.when as number) * 1000 <= nowMs) {
        miner.learnEntry(home.logbook[read++]);
      }
      known = miner.mine(new Date(nowMs), known).patterns;
      const now = new Date(nowMs);
      const features = new Map(known.map((p) => [p.id, patternFeatures(p, now)]));
      for (const p of known) {
        if (!firstWanted.has(p.id)) firstWanted.set(p.id, answer(taste, features.get(p.id)!, home.seed, p.id));
      }
      for (const arm of arms) {
        const budget = Math.min(options.asksPerDay, options.asks - arm.asks.length);
        if (budget <= 0) continue;
        const open = known.filter((p) => !arm.answered.has(p.id));
        // The version that ranked the day's asks (one an answer during the day brings ranks tomorrow's).
        const version = arm.model?.activeVersion ?? null;
        const chosen = choose(arm, open, features, budget, taste, home.seed, rng);
        for (const { pattern, score } of chosen) {
          const f = features.get(pattern.id)!;
          const approved = answer(taste, f, home.seed, pattern.id);
          arm.answered.add(pattern.id);
          arm.asks.push({ day, patternId: pattern.id, approved, score, version });
          if (arm.model) await teach(arm.model, pattern.id, f, approved, arm.asks.length);
        }
      }
    }
    const asks: Record<string, Ask[]> = {};
    for (const arm of arms) asks[arm.ranking.name] = arm.asks;
    return {
      seed: home.seed,
      taste,
      suggestions: firstWanted.size,
      wanted: [...firstWanted.values()].filter(Boolean).length,
      days: day,
      asks,
    };
  } finally {
    for (const arm of arms) {
      await arm.model?.close();
      if (arm.dir) await rm(arm.dir, { recursive: true, force: true });
    }
  }
}

interface Chosen {
  pattern: MinedPattern;
  score: number | null;
}

/** The day's asks of one ranking, best first. */
function choose(
  arm: Arm,
  open: readonly MinedPattern[],
  features: ReadonlyMap<string, Features>,
  budget: number,
  taste: TasteName,
  homeSeed: number,
  rng: SeededRandom,
): Chosen[] {
  const byId = new Map(open.map((p) => [p.id, p]));
  const { name } = arm.ranking;
  if (name === "random") {
    return rng
      .shuffle([...open])
      .slice(0, budget)
      .map((pattern) => ({ pattern, score: null }));
  }
  if (name === "oracle") {
    // The ceiling: a ranking that knows the answers asks the wanted ones first, the miner's order among them.
    const wanted = open.filter((p) => answer(taste, features.get(p.id)!, homeSeed, p.id));
    const ranked = [...chooseAsks(candidatesOf(wanted, null), budget, { modelReady: false })];
    if (ranked.length < budget) {
      const rest = open.filter((p) => !wanted.includes(p));
      ranked.push(...chooseAsks(candidatesOf(rest, null), budget - ranked.length, { modelReady: false }));
    }
    return ranked.map((c) => ({ pattern: byId.get(c.patternId)!, score: null }));
  }
  const model = arm.model;
  const modelReady = model !== null && model.activeVersion !== null;
  const scores = model ? model.scoreMany(open.map((p) => ({ patternId: p.id, features: features.get(p.id)! }))) : null;
  const candidates = candidatesOf(open, scores?.map((s) => s.score) ?? null);
  const ranked = arm.ranking.explore ? withExploringAsk(candidates, budget, modelReady) : null;
  return (ranked ?? chooseAsks(candidates, budget, { modelReady })).map((c) => ({
    pattern: byId.get(c.patternId)!,
    score: model ? c.score : null,
  }));
}

/** chooseAsks' likeliest approvals but one, then the most uncertain of the rest (nearest a coin toss; ties by id). */
export function withExploringAsk(candidates: AskCandidate[], budget: number, modelReady: boolean): AskCandidate[] {
  if (budget < 2 || !modelReady) return chooseAsks(candidates, budget, { modelReady });
  const likeliest = chooseAsks(candidates, budget - 1, { modelReady });
  const taken = new Set(likeliest.map((c) => c.patternId));
  const uncertain = candidates
    .filter((c) => !taken.has(c.patternId))
    .sort((a, b) => b.uncertainty - a.uncertainty || (a.patternId < b.patternId ? -1 : 1));
  return [...likeliest, ...uncertain.slice(0, 1)];
}

function candidatesOf(patterns: readonly MinedPattern[], scores: readonly number[] | null): AskCandidate[] {
  return patterns.map((p, i) => {
    const score = scores ? (scores[i] as number) : 0.5;
    return {
      patternId: p.id,
      score,
      uncertainty: 1 - Math.abs(2 * score - 1),
      minerConfidence: p.confidence,
      firstSeenMs: Date.parse(String(p.first_seen)),
    };
  });
}

/**
 * One answer to the model, as the product gives it. Answers come hours apart in a home, so what
 * an answer starts in the background (an update, a trial's verdict and the activation it leads
 * to) settles before the next one: without that pause the next ask would sometimes meet the old
 * version and sometimes the new, and figures would change from run to run. Settled means no
 * update running and the live version and trial unchanged for QUIET_MS.
 */
async function teach(model: PatternModel, patternId: string, features: Features, approved: boolean, n: number) {
  await model.addFeedback([{ id: `ask-${n}`, patternId, label: approved ? 1 : 0, features }]);
  const state = () => {
    const m = model.metrics();
    return JSON.stringify([m.updating, m.activeVersion, m.trial, m.hold]);
  };
  let last = state();
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_MS) {
    await sleep(POLL_MS);
    const now = state();
    if (now !== last || model.updating) {
      last = now;
      quietSince = Date.now();
    }
  }
}

/** How long the model's state must stay unchanged after an answer (a trial's verdict is a few file writes). */
const QUIET_MS = 40;
const POLL_MS = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
