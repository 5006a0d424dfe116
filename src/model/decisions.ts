// Who decided what, for a dashboard: the recent decisions with who made them and their pattern's
// last score, and the decisions per person. Read from the feedback log, which is never rewritten
// for it: the counts follow the log by reading only the records appended since the last look (a
// compaction, which drops the oldest records, makes them count the whole log again).
import { describeValue, InvalidInputError } from "../errors";
import type { FeedbackLog, StoredFeedback } from "../feedback/log";
import { checkWholeNumber } from "../validate";
import type { ScoreResult } from "./results";

/** The most recent decisions kept at hand, and the most patterns whose last score is remembered. */
export const DECISIONS_KEPT = 1000;
/** Recent decisions (and scored patterns) a view lists unless told otherwise. */
export const DECISIONS_LISTED = 20;

/** A pattern's last score, as the model gave it (reasons included when they were asked for). */
export type LastScore = ScoreResult & {
  /** ISO 8601 time of the scoring. */
  scoredAt: string;
};

/** One decision of the household. */
export interface Decision {
  /** The feedback log's sequence number. */
  seq: number;
  /** The feedback id. */
  id: string;
  patternId: string;
  label: "approve" | "reject";
  /** Who decided: a Home Assistant user id, the name a flow gave, …; null when nobody was recorded. */
  user: string | null;
  /** The person's name for `user` when the names given know it (see householdNames), else null. */
  name: string | null;
  /** Where it came from: "flow", "ha:mobile_app_notification_action", … */
  source: string;
  /** ISO 8601 time of the decision. */
  decidedAt: string;
  /** The pattern's last score since the model opened, if it was scored with its id. */
  lastScore: LastScore | null;
}

/** How many approvals and rejections one person gave. */
export interface PersonDecisions {
  /** As in Decision: null gathers the decisions nobody was recorded for. */
  user: string | null;
  name: string | null;
  approved: number;
  rejected: number;
  /** ISO 8601 time of their latest decision. */
  lastDecidedAt: string;
}

/** A pattern scored recently, with the household's latest decision on it once there is one. */
export type ScoredPattern = LastScore & {
  patternId: string;
  decision: Omit<Decision, "lastScore"> | null;
};

/** What `PatternModel.decisions` gives. */
export interface DecisionsView {
  /** The latest decisions, newest first. */
  recent: Decision[];
  /** Every person's counts over the whole feedback log, most decisions first. */
  people: PersonDecisions[];
  /** The patterns scored (with an id) since the model opened, most recently scored first. */
  scored: ScoredPattern[];
}

/** What to list. */
export interface DecisionsOptions {
  /** Recent decisions and scored patterns listed, 1…DECISIONS_KEPT (default DECISIONS_LISTED). */
  limit?: number;
  /** Names by user id (e.g. householdNames from Home Assistant's person entities). */
  names?: ReadonlyMap<string, string>;
}

type Tally = Omit<PersonDecisions, "name">;
type Entry = Omit<Decision, "name" | "lastScore">;

/** The decisions of one model's feedback log, and the last score of each pattern it scored. */
export class DecisionBook {
  private readonly scores = new Map<string, LastScore>();
  private people = new Map<string | null, Tally>();
  /** The latest decisions, oldest first (at most 2 × DECISIONS_KEPT between trims). */
  private latest: Entry[] = [];
  /** The highest log seq counted, and how many records were counted. */
  private seenSeq = 0;
  private counted = 0;

  /** Remembers a score given to a pattern with an id (the latest per pattern, for DECISIONS_KEPT patterns). */
  noteScore(result: ScoreResult, at: Date = new Date()): void {
    if (result.patternId === undefined) return;
    const kept: LastScore = { ...result, scoredAt: at.toISOString() };
    if (result.reasons) kept.reasons = result.reasons.map((reason) => ({ ...reason }));
    this.scores.delete(result.patternId);
    this.scores.set(result.patternId, kept);
    if (this.scores.size > DECISIONS_KEPT) this.scores.delete(this.scores.keys().next().value as string);
  }

  /** The recent decisions, the counts per person and the patterns scored lately (InvalidInputError for bad options). */
  view(log: FeedbackLog, options: DecisionsOptions = {}): DecisionsView {
    const { limit, names } = readOptions(options);
    this.catchUp(log);
    const nameOf = (user: string | null) => (user !== null && names?.get(user)) || null;
    const recent = this.latest
      .slice(-limit)
      .reverse()
      .map((entry) => ({ ...entry, name: nameOf(entry.user), lastScore: copyScore(this.scores.get(entry.patternId)) }));
    const people = [...this.people.values()]
      .map((tally) => ({ ...tally, name: nameOf(tally.user) }))
      .sort((a, b) => b.approved + b.rejected - (a.approved + a.rejected) || later(b.lastDecidedAt, a.lastDecidedAt));
    const decided = new Map<string, Entry>();
    for (const entry of this.latest) decided.set(entry.patternId, entry);
    const scored = [...this.scores.entries()]
      .slice(-limit)
      .reverse()
      .map(([patternId, score]): ScoredPattern => {
        const decision = decided.get(patternId);
        return {
          ...(copyScore(score) as LastScore),
          patternId,
          decision: decision ? { ...decision, name: nameOf(decision.user) } : null,
        };
      });
    return { recent, people, scored };
  }

  /** Counts the records appended since the last look; the whole log again after a compaction dropped some. */
  private catchUp(log: FeedbackLog): void {
    for (const record of log.entries(this.seenSeq + 1)) this.count(record);
    if (this.counted === log.size) return;
    this.people = new Map();
    this.latest = [];
    this.seenSeq = 0;
    this.counted = 0;
    for (const record of log.entries()) this.count(record);
  }

  private count(record: StoredFeedback): void {
    const user = record.user ?? null;
    const label = record.label === 1 ? "approve" : "reject";
    const tally = this.people.get(user) ?? { user, approved: 0, rejected: 0, lastDecidedAt: record.receivedAt };
    if (label === "approve") tally.approved++;
    else tally.rejected++;
    if (record.receivedAt > tally.lastDecidedAt) tally.lastDecidedAt = record.receivedAt;
    this.people.set(user, tally);
    this.latest.push({
      seq: record.seq,
      id: record.id,
      patternId: record.patternId,
      label,
      user,
      source: record.source,
      decidedAt: record.receivedAt,
    });
    if (this.latest.length >= 2 * DECISIONS_KEPT) this.latest = this.latest.slice(-DECISIONS_KEPT);
    this.seenSeq = record.seq;
    this.counted++;
  }
}

function readOptions(options: DecisionsOptions): { limit: number; names: ReadonlyMap<string, string> | undefined } {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `expected {limit?, names?}, got ${describeValue(options)}`);
  }
  const limit =
    options.limit === undefined
      ? DECISIONS_LISTED
      : checkWholeNumber(options.limit, "options.limit", { min: 1, max: DECISIONS_KEPT });
  const names = options.names;
  if (names !== undefined && !(names instanceof Map)) {
    throw new InvalidInputError("options.names", `expected a Map of user id to name, got ${describeValue(names)}`);
  }
  return { limit, names };
}

/** Positive when ISO time `a` is later than `b`. */
function later(a: string, b: string): number {
  return a > b ? 1 : a < b ? -1 : 0;
}

function copyScore(score: LastScore | undefined): LastScore | null {
  if (!score) return null;
  const copy = { ...score };
  if (score.reasons) copy.reasons = score.reasons.map((reason) => ({ ...reason }));
  return copy;
}
