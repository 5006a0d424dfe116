// The suggestion book: every suggestion the household has been shown or could be shown, with
// what happened to it (asked when and how, answered by whom, snoozed until, rejected for which
// routine, the automation made from it). It lives beside the model in its store directory as a
// JSON-lines file: each change appends the suggestion's whole new state (a few hundred bytes),
// the last line of a suggestion wins on replay, and the file is compacted to one line per
// suggestion when it has grown to several. Appends are fsync'd before a call resolves, so an
// answer acknowledged is an answer kept.
import { describeValue, InvalidInputError } from "../errors";
import type { StoreProblem } from "../store/files";
import { JsonLinesStore } from "../store/json-lines-store";
import { checkId, MAX_TEXT_LENGTH } from "../validate";
import { changedMaterially, type RoutineSignature, signatureOf } from "./signature";

/** The file in the store directory. */
export const SUGGESTIONS_FILE = "suggestions.jsonl";
const DAY_MS = 86_400_000;

/** A household's answer: yes, no, or ask again later. */
export type SuggestionAnswer = "approve" | "reject" | "snooze";

/** Where a suggestion stands. */
export type SuggestionState = "new" | "asked" | "snoozed" | "approved" | "rejected";

/** What became of the automation made from an approved suggestion. */
export interface SuggestionAutomation {
  automationId: string;
  /** The automation's entity, found in the entity registry by its unique id; null until found. */
  entityId: string | null;
  outcome: "created" | "updated" | "refused";
  /** Home Assistant's own words when it refused. */
  message: string;
  at: string;
}

/** One answer, with who gave it and where. */
export interface SuggestionAnswerRecord {
  answer: SuggestionAnswer;
  /** A Home Assistant user id, a dashboard user, a flow's name; null when nobody was recorded. */
  by: string | null;
  at: string;
  /** "phone", "dashboard", "flow", "implicit:off", "implicit:undone", … */
  source: string;
}

/** A suggestion and everything that happened to it. */
export interface Suggestion {
  patternId: string;
  /** The question in words: "Turn on Kitchen light at about 06:45 on weekdays". */
  title: string;
  /** The question with its evidence. */
  description: string;
  /** The proposed automation in Home Assistant's config format, when the pattern brought one. */
  automation: Record<string, unknown> | null;
  signature: RoutineSignature;
  firstSeenAt: string;
  lastSeenAt: string;
  /** The model's latest P(approve) and uncertainty, and why, in plain words. */
  score: number | null;
  uncertainty: number | null;
  reasons: string[];
  /** The miner's (or the pattern's own) confidence, 0…1. */
  minerConfidence: number;
  asks: number;
  askedAt: string | null;
  /** "phone" or "dashboard". */
  askedVia: string | null;
  /** The model's P(approve) when it was last asked: what it guessed the answer would be. */
  guess: number | null;
  answer: SuggestionAnswerRecord | null;
  snoozedUntil: string | null;
  /** The routine as it was rejected; a materially different one is asked again. */
  rejectedSignature: RoutineSignature | null;
  automationMade: SuggestionAutomation | null;
  /** False for an answer that arrived for a suggestion this book never saw (kept, not shown as pending). */
  known: boolean;
}

/** What offering a pattern gives: its words and score, as pattern-score passes them on. */
export interface OfferedPattern {
  pattern: unknown;
  score?: number | null;
  uncertainty?: number | null;
  reasons?: string[];
}

/** What answer() did: a new decision, the same one again (nothing changed), or a changed mind. */
export interface AnswerOutcome {
  decision: "new" | "repeat" | "changed";
  suggestion: Suggestion;
}

/** How the book behaves: days a "not now" (or an unanswered ask) waits before it may be asked again. */
export interface SuggestionBookOptions {
  snoozeDays?: number;
  clock?: () => number;
}

type BookRecord = { t: "suggestion"; s: Suggestion };

/** The suggestions of one store directory, durable, one writer at a time (a lock file). */
export class SuggestionBook {
  readonly problems: StoreProblem[];
  private readonly suggestions = new Map<string, Suggestion>();
  private lines = 0;
  private snoozeMs: number;
  private readonly clock: () => number;

  private constructor(
    readonly directory: string,
    private readonly store: JsonLinesStore<BookRecord>,
    records: BookRecord[],
    problems: StoreProblem[],
    options: SuggestionBookOptions,
  ) {
    this.problems = problems;
    this.snoozeMs = (options.snoozeDays ?? 7) * DAY_MS;
    this.clock = options.clock ?? Date.now;
    for (const record of records) this.suggestions.set(record.s.patternId, record.s);
    this.lines = records.length;
  }

  /** Opens (creating if needed) the book in a store directory; damaged lines are set aside and reported. */
  static async open(directory: string, options: SuggestionBookOptions = {}): Promise<SuggestionBook> {
    if (options.snoozeDays !== undefined) checkDays(options.snoozeDays);
    const records: BookRecord[] = [];
    const { store, problems } = await JsonLinesStore.open<BookRecord>({
      directory,
      name: SUGGESTIONS_FILE,
      title: "the suggestion book",
      replay: (value) => records.push(acceptRecord(value)),
      lock: "suggestions",
    });
    return new SuggestionBook(directory, store, records, problems, options);
  }

  /** How long a Not now (or an unanswered question) waits from now on; the ask node's setting. */
  setSnoozeDays(days: number): void {
    this.snoozeMs = checkDays(days) * DAY_MS;
  }

  /** One suggestion, or undefined. */
  get(patternId: string): Suggestion | undefined {
    const found = this.suggestions.get(patternId);
    return found && { ...found };
  }

  /** Every suggestion, newest seen first. */
  all(): Suggestion[] {
    return [...this.suggestions.values()]
      .map((s) => ({ ...s }))
      .sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }

  /** Where a suggestion stands now. */
  stateOf(suggestion: Suggestion, now = this.clock()): SuggestionState {
    const answer = suggestion.answer?.answer;
    if (answer === "approve") return "approved";
    if (answer === "reject") return "rejected";
    if (answer === "snooze" && suggestion.snoozedUntil !== null && Date.parse(suggestion.snoozedUntil) > now)
      return "snoozed";
    if (suggestion.askedAt !== null && answer === undefined) return "asked";
    return "new";
  }

  /** Known suggestions waiting for an answer (new, asked, or snoozed), best score first. */
  pending(now = this.clock()): Suggestion[] {
    return this.all()
      .filter((s) => s.known && ["new", "asked", "snoozed"].includes(this.stateOf(s, now)))
      .sort((a, b) => (b.score ?? -1) - (a.score ?? -1));
  }

  /** Answered suggestions (approved or rejected), latest answer first. */
  answered(): Suggestion[] {
    return this.all()
      .filter((s) => s.answer !== null && s.answer.answer !== "snooze")
      .sort((a, b) => (b.answer?.at ?? "").localeCompare(a.answer?.at ?? ""));
  }

  /**
   * Takes in mined or scored patterns: new ones are written down, known ones get their new words
   * and score. A rejected one whose routine changed materially (see changedMaterially) is a new
   * question again. Patterns without an id are skipped. Resolves to the suggestions, in order.
   */
  async offer(offers: readonly OfferedPattern[]): Promise<Suggestion[]> {
    const now = new Date(this.clock()).toISOString();
    const changed: Suggestion[] = [];
    for (const offer of offers) {
      const pattern = isRecord(offer.pattern) ? offer.pattern : {};
      const id = pattern.id ?? pattern.patternId;
      if (typeof id !== "string" && typeof id !== "number") continue;
      const patternId = checkId(id, "pattern.id");
      const signature = signatureOf(pattern);
      const before = this.suggestions.get(patternId);
      const next: Suggestion = {
        ...(before ?? emptySuggestion(patternId, now)),
        title: words(pattern.title) ?? words(pattern.name) ?? before?.title ?? patternId,
        description: words(pattern.description) ?? before?.description ?? patternId,
        automation: isRecord(pattern.automation) ? pattern.automation : (before?.automation ?? null),
        signature,
        lastSeenAt: now,
        minerConfidence: typeof pattern.confidence === "number" ? pattern.confidence : (before?.minerConfidence ?? 0),
        known: true,
      };
      if (offer.score !== undefined && offer.score !== null) next.score = offer.score;
      if (offer.uncertainty !== undefined && offer.uncertainty !== null) next.uncertainty = offer.uncertainty;
      if (offer.reasons !== undefined) next.reasons = offer.reasons.slice(0, 10);
      if (
        next.answer?.answer === "reject" &&
        next.rejectedSignature !== null &&
        changedMaterially(next.rejectedSignature, signature)
      ) {
        // A new routine under an old id: a new question, with the old rejection forgotten.
        next.answer = null;
        next.askedAt = null;
        next.rejectedSignature = null;
      }
      changed.push(next);
    }
    await this.write(changed);
    return changed.map((s) => ({ ...s }));
  }

  /** Suggestions that may be asked now: known, new or whose snooze (or unanswered ask) has run out. */
  askable(now = this.clock()): Suggestion[] {
    return this.all().filter((s) => {
      if (!s.known) return false;
      const state = this.stateOf(s, now);
      if (state === "new") return true;
      return state === "asked" && s.askedAt !== null && now - Date.parse(s.askedAt) >= this.snoozeMs;
    });
  }

  /** How many suggestions were asked on the local calendar day of `now`. */
  askedOn(now = this.clock()): number {
    const day = localDay(now);
    let count = 0;
    for (const s of this.suggestions.values())
      if (s.askedAt !== null && localDay(Date.parse(s.askedAt)) === day) count++;
    return count;
  }

  /** Writes down that these suggestions were put to the household, with the model's guess. */
  async recordAsked(patternIds: readonly string[], via: string): Promise<Suggestion[]> {
    const at = new Date(this.clock()).toISOString();
    const changed: Suggestion[] = [];
    for (const id of patternIds) {
      const s = this.suggestions.get(id);
      if (s === undefined) continue;
      changed.push({ ...s, asks: s.asks + 1, askedAt: at, askedVia: via, guess: s.score, snoozedUntil: null });
    }
    await this.write(changed);
    return changed.map((s) => ({ ...s }));
  }

  /**
   * Records an answer. The same answer again is one decision ("repeat": nothing written); an
   * answer for a suggestion never seen is kept all the same (not shown as pending). A snooze
   * waits snoozeDays; a reject remembers the routine it was given for.
   */
  async answer(
    patternId: string,
    answer: SuggestionAnswer,
    who: { by?: string | null; source: string; at?: number },
  ): Promise<AnswerOutcome> {
    const id = checkId(patternId, "patternId");
    if (answer !== "approve" && answer !== "reject" && answer !== "snooze") {
      throw new InvalidInputError("answer", `expected approve, reject or snooze, got ${describeValue(answer)}`);
    }
    const atMs = who.at ?? this.clock();
    const at = new Date(atMs).toISOString();
    const before = this.suggestions.get(id) ?? { ...emptySuggestion(id, at), known: false };
    const previous = before.answer?.answer;
    if (previous === answer && answer !== "snooze") return { decision: "repeat", suggestion: { ...before } };
    if (previous === "snooze" && answer === "snooze" && this.stateOf(before, atMs) === "snoozed")
      return { decision: "repeat", suggestion: { ...before } };
    const by = who.by === undefined || who.by === null || who.by === "" ? null : who.by.slice(0, MAX_TEXT_LENGTH);
    const next: Suggestion = {
      ...before,
      answer: { answer, by, at, source: who.source.slice(0, MAX_TEXT_LENGTH) },
      snoozedUntil: answer === "snooze" ? new Date(atMs + this.snoozeMs).toISOString() : null,
      rejectedSignature: answer === "reject" ? before.signature : null,
    };
    await this.write([next]);
    const decided = previous === undefined || previous === "snooze";
    return { decision: decided ? "new" : "changed", suggestion: { ...next } };
  }

  /** Writes down what Home Assistant said to the automation made from a suggestion. */
  async recordAutomation(patternId: string, made: Omit<SuggestionAutomation, "at">): Promise<Suggestion> {
    const id = checkId(patternId, "patternId");
    const at = new Date(this.clock()).toISOString();
    const before = this.suggestions.get(id) ?? { ...emptySuggestion(id, at), known: false };
    const next: Suggestion = { ...before, automationMade: { ...made, at } };
    await this.write([next]);
    return { ...next };
  }

  /** The suggestion whose automation has this id (or entity id), if any. */
  byAutomation(automationId: string): Suggestion | undefined {
    for (const s of this.suggestions.values()) {
      const made = s.automationMade;
      if (made && (made.automationId === automationId || made.entityId === automationId)) return { ...s };
    }
    return undefined;
  }

  /** Waits for pending writes, then closes the file and gives the lock back. */
  close(): Promise<void> {
    return this.store.close();
  }

  private async write(changed: readonly Suggestion[]): Promise<void> {
    if (changed.length === 0) return;
    this.store.checkAppendable();
    await this.store.append(
      changed.map((s) => ({ t: "suggestion", s })),
      (record) => {
        this.suggestions.set(record.s.patternId, record.s);
        this.lines++;
      },
    );
    // Each change rewrites a suggestion's line: keep the file near one line per suggestion.
    if (this.lines > 4 * this.suggestions.size + 100) {
      const since = this.store.size;
      const records: BookRecord[] = [...this.suggestions.values()].map((s) => ({ t: "suggestion", s }));
      await this.store.compact(records, since);
      this.lines = records.length;
    }
  }
}

function checkDays(days: unknown): number {
  if (typeof days === "number" && days > 0 && Number.isFinite(days)) return days;
  throw new InvalidInputError("snoozeDays", `expected a number of days above 0, got ${describeValue(days)}`);
}

function emptySuggestion(patternId: string, now: string): Suggestion {
  return {
    patternId,
    title: patternId,
    description: patternId,
    automation: null,
    signature: signatureOf(null),
    firstSeenAt: now,
    lastSeenAt: now,
    score: null,
    uncertainty: null,
    reasons: [],
    minerConfidence: 0,
    asks: 0,
    askedAt: null,
    askedVia: null,
    guess: null,
    answer: null,
    snoozedUntil: null,
    rejectedSignature: null,
    automationMade: null,
    known: true,
  };
}

/** A line of the file, checked enough that replay cannot build a suggestion without its id. */
function acceptRecord(value: unknown): BookRecord {
  if (!isRecord(value) || value.t !== "suggestion" || !isRecord(value.s) || typeof value.s.patternId !== "string") {
    throw new Error("not a suggestion record");
  }
  return value as unknown as BookRecord;
}

/** The local calendar day of a time, as the household counts "today". */
export function localDay(ms: number): string {
  const date = new Date(ms);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

function words(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, 500) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
