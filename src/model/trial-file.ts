import { promises as fs } from "node:fs";
import * as path from "node:path";
import { setAside as setFileAside, type StoreProblem, storeWriteError, writeFileAtomic } from "../store/files";
import type { SetAside } from "./burst";
import type { ChallengeJSON } from "./challenge";
import type { AnswerTally } from "./guardrail";

/** The trials' evidence and the feedback set aside, so a restart resumes them (see Trials.resume). */
export const TRIALS_FILE = "trials.json";
/** Ranges set aside kept at most (the oldest go first: their rows have left the history by then). */
const MAX_SET_ASIDE = 100;

/** What the store keeps of the guardrail between restarts. */
export interface KeptTrials {
  running: ChallengeJSON | null;
  waiting: ChallengeJSON | null;
  setAside: SetAside[];
}

/**
 * Reads the kept trials of `dir`: none without a file; a damaged file is set aside like the
 * store's other files (the trials then start afresh, the problem says so). Throws StoreWriteError
 * when the file is there but cannot be read.
 */
export async function loadTrials(dir: string): Promise<{ kept: KeptTrials | null; problem: StoreProblem | null }> {
  const file = path.join(dir, TRIALS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kept: null, problem: null };
    throw storeWriteError(file, "read the trials", error);
  }
  try {
    return { kept: parseTrials(text), problem: null };
  } catch (error) {
    const setAsideAs = await setFileAside(file).catch((cause: unknown) => {
      throw storeWriteError(file, "set aside", cause);
    });
    const problem: StoreProblem = {
      file: TRIALS_FILE,
      kind: "corrupt-trials",
      message:
        `${TRIALS_FILE} is damaged (${(error as Error).message}); set aside as ${setAsideAs}; ` +
        "the trials running start afresh and no feedback is set aside",
      setAsideAs,
    };
    return { kept: null, problem };
  }
}

/**
 * The versions on trial and waiting as the store last kept them, read without changing anything
 * (the command line reads beside a running model): none without a file; a damaged file is left
 * for the model to set aside on its next start, and `problem` says so. Throws StoreWriteError
 * when the file is there but cannot be read.
 */
export async function readTrialVersions(
  dir: string,
): Promise<{ onTrial: string | null; waiting: string | null; problem: string | null }> {
  const file = path.join(dir, TRIALS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { onTrial: null, waiting: null, problem: null };
    throw storeWriteError(file, "read the trials", error);
  }
  try {
    const kept = parseTrials(text);
    return { onTrial: kept.running?.version ?? null, waiting: kept.waiting?.version ?? null, problem: null };
  } catch (error) {
    return { onTrial: null, waiting: null, problem: `${TRIALS_FILE} is damaged (${(error as Error).message})` };
  }
}

function parseTrials(text: string): KeptTrials {
  const json = JSON.parse(text) as Partial<KeptTrials> & { format?: unknown };
  if (json === null || typeof json !== "object" || json.format !== "pattern-quality-trials") {
    throw new Error("not a trials file");
  }
  const ranges = json.setAside ?? [];
  if (!Array.isArray(ranges) || !ranges.every(isRange)) throw new Error("setAside is malformed");
  for (const trial of [json.running, json.waiting]) {
    if (trial !== null && trial !== undefined && !isChallenge(trial)) throw new Error("a trial is malformed");
  }
  return { running: json.running ?? null, waiting: json.waiting ?? null, setAside: ranges };
}

function isRange(value: unknown): value is SetAside {
  const r = value as SetAside | null;
  return (
    typeof r === "object" &&
    r !== null &&
    [r.fromSeq, r.toSeq, r.fromRow, r.toRow].every((n) => Number.isSafeInteger(n) && n >= 0) &&
    r.fromSeq <= r.toSeq &&
    typeof r.reason === "string"
  );
}

function isChallenge(value: unknown): value is ChallengeJSON {
  const c = value as ChallengeJSON;
  const answers = (list: unknown) =>
    Array.isArray(list) &&
    list.every(
      (a) =>
        typeof a === "object" &&
        a !== null &&
        (a.seq === null || Number.isSafeInteger(a.seq)) &&
        typeof a.challenger === "number" &&
        a.challenger >= 0 &&
        a.challenger <= 1 &&
        typeof a.opponent === "number" &&
        a.opponent >= 0 &&
        a.opponent <= 1 &&
        (a.label === 0 || a.label === 1),
    );
  return (
    typeof c === "object" &&
    c !== null &&
    typeof c.version === "string" &&
    (c.against === null || typeof c.against === "string") &&
    answers(c.vsActive) &&
    (c.vsReference === null || answers(c.vsReference)) &&
    (c.alone === undefined || isTally(c.alone))
  );
}

function isTally(value: unknown): value is AnswerTally {
  const t = value as AnswerTally;
  return (
    typeof t === "object" &&
    t !== null &&
    [t.samples, t.correct, t.predictedPositive, t.positive].every((n) => Number.isSafeInteger(n) && n >= 0) &&
    t.correct <= t.samples &&
    t.predictedPositive <= t.samples &&
    t.positive <= t.samples &&
    [t.brierSum, t.logLossSum].every((n) => typeof n === "number" && Number.isFinite(n) && n >= 0)
  );
}

/** Saves the trials' evidence and the ranges set aside (atomic: a crash leaves the old or the new). */
export async function saveTrials(dir: string, kept: KeptTrials): Promise<void> {
  const state = { format: "pattern-quality-trials", ...kept, setAside: kept.setAside.slice(-MAX_SET_ASIDE) };
  await writeFileAtomic(path.join(dir, TRIALS_FILE), `${JSON.stringify(state)}\n`);
}
