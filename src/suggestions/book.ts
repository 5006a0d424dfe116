// The suggestion book: every suggestion the household has been shown or could be shown, with
// what happened to it (asked when and how, answered by whom, snoozed until, rejected for which
// routine, the automation made from it). It lives beside the model in its store directory as a
// JSON-lines file: each change appends the suggestion's whole new state (a few hundred bytes),
// the last line of a suggestion wins on replay, and the file is compacted to one line per
// suggestion when it has grown to several. Appends are fsync'd before a call resolves, so an
// answer acknowledged is an answer kept.
import { EventEmitter } from "node:events";
import { describeValue, InvalidInputError } from "../errors";
import type { StoreProblem } from "../store/files";
import { JsonLinesStore } from "../store/json-lines-store";
import { checkId, MAX_TEXT_LENGTH } from "../validate";
import { changedMaterially, signatureOf } from "./signature";
import {
  acceptRecord,
  type BookRecord,
  checkDays,
  emptySuggestion,
  isRecord,
  localDay,
  type Suggestion,
  type SuggestionAnswer,
  type SuggestionAutomation,
  type SuggestionState,
  words,
} from "./suggestion";

export type {
  Suggestion,
  SuggestionAnswer,
  SuggestionAnswerRecord,
  SuggestionAutomation,
  SuggestionState,
} from "./suggestion";
export { localDay } from "./suggestion";

/** The file in the store directory. */
export const SUGGESTIONS_FILE = "suggestions.jsonl";
const DAY_MS = 86_400_000;
/**
 * A suggestion not offered again for this long after the latest offer is a routine the miner no
 * longer finds (it faded, or its entity is gone): kept with its history, no longer pending.
 * Three days: the miner runs daily, so a current routine is offered again well within it.
 */
export const STALE_AFTER_MS = 3 * DAY_MS;

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

/**
 * The suggestions of one store directory, durable, one writer at a time (a lock file). Emits
 * "change" (the pattern ids) once changes are durable, for views that show the book.
 */
export class SuggestionBook extends EventEmitter {
  readonly problems: StoreProblem[];
  private readonly suggestions = new Map<string, Suggestion>();
  private lines = 0;
  /** The latest offer of any suggestion (epoch ms). */
  private latestSeenMs = 0;
  private snoozeMs: number;
  private readonly clock: () => number;

  private constructor(
    readonly directory: string,
    private readonly store: JsonLinesStore<BookRecord>,
    records: BookRecord[],
    problems: StoreProblem[],
    options: SuggestionBookOptions,
  ) {
    super();
    this.problems = problems;
    this.snoozeMs = (options.snoozeDays ?? 7) * DAY_MS;
    this.clock = options.clock ?? Date.now;
    for (const record of records) this.take(record.s);
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
      .filter((s) => this.isCurrent(s) && ["new", "asked", "snoozed"].includes(this.stateOf(s, now)))
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
      if (!this.isCurrent(s)) return false;
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

  private take(suggestion: Suggestion): void {
    this.suggestions.set(suggestion.patternId, suggestion);
    if (suggestion.known) this.latestSeenMs = Math.max(this.latestSeenMs, Date.parse(suggestion.lastSeenAt));
  }

  /** Known, and offered lately: within STALE_AFTER_MS of the latest offer of any suggestion. */
  private isCurrent(suggestion: Suggestion): boolean {
    return suggestion.known && this.latestSeenMs - Date.parse(suggestion.lastSeenAt) <= STALE_AFTER_MS;
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
        this.take(record.s);
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
    this.emit(
      "change",
      changed.map((s) => s.patternId),
    );
  }
}
