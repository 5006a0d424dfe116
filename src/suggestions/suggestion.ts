// A suggestion and what happened to it, as the suggestion book keeps it (one JSON line each).
import { describeValue, InvalidInputError } from "../errors";
import { type RoutineSignature, signatureOf } from "./signature";

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

/** One line of the book's file. */
export type BookRecord = { t: "suggestion"; s: Suggestion };

/** Days above 0 (a snooze), or InvalidInputError naming snoozeDays. */
export function checkDays(days: unknown): number {
  if (typeof days === "number" && days > 0 && Number.isFinite(days)) return days;
  throw new InvalidInputError("snoozeDays", `expected a number of days above 0, got ${describeValue(days)}`);
}

/** A suggestion nothing has happened to yet. */
export function emptySuggestion(patternId: string, now: string): Suggestion {
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
export function acceptRecord(value: unknown): BookRecord {
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

/** Text worth showing (trimmed, at most 500 characters), or undefined. */
export function words(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim().slice(0, 500) : undefined;
}

/** A plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
