import { createHash } from "node:crypto";

/**
 * The demo household's hidden tastes, over what it reads in a question and what the standard
 * features can see too: a routine that follows something ("… when the door opens": a sequence,
 * `pattern_type_co_occurrence`) or one kept to some days ("on weekdays", "at weekends": its
 * automation has a condition, `metadata_has_conditions`), against one done every day.
 */
export type TasteName = "sequences-and-weekdays" | "every-day";

/** The taste's words, for the terminal. */
export const TASTE_WORDS: Record<TasteName, string> = {
  "sequences-and-weekdays":
    "likes routines that follow something and routines kept to weekdays or weekends, not every-day ones",
  "every-day": "now likes every-day routines, and no longer wants routines that follow something",
};

/** What a question is about, as the household reads it in the notification. */
export type RoutineKind = "sequence" | "some-days" | "every-day";

/** The kind of routine a question asks about, from its words. */
export function kindOf(question: string): RoutineKind {
  const title = question.split("\n")[0] ?? "";
  if (/ when /.test(title)) return "sequence";
  if (/ every day\??$/.test(title)) return "every-day";
  return "some-days";
}

/** Whether a taste wants a kind of routine. */
export function wants(taste: TasteName, kind: RoutineKind): boolean {
  return taste === "sequences-and-weekdays" ? kind !== "every-day" : kind === "every-day";
}

/** A number in [0, 1) fixed by the seed and the words, so a restarted household decides as before. */
export function draw(seed: number, ...words: string[]): number {
  const digest = createHash("sha256")
    .update([seed, ...words].join("|"))
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** An answer on the phone. */
export type PhoneAnswer = "approve" | "reject" | "snooze";

/** Share of answers given against the taste (a mis-tap, a mood): the household regrets them later. */
export const NOISE = 0.1;
/** Share of first questions answered "Not now". */
export const SNOOZE = 0.15;

/**
 * The household's answer to a question: by its taste, "Not now" now and then the first time, and
 * against its taste now and then (which it regrets once the automation runs).
 */
export function answerFor(
  taste: TasteName,
  seed: number,
  patternId: string,
  question: string,
  firstTime: boolean,
): PhoneAnswer {
  if (firstTime && draw(seed, "snooze", patternId) < SNOOZE) return "snooze";
  const liked = wants(taste, kindOf(question));
  const mistaken = draw(seed, "noise", taste, patternId) < NOISE;
  return liked !== mistaken ? "approve" : "reject";
}
