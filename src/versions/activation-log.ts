import { InvalidInputError, UnknownVersionError } from "../errors";
import type { StoreProblem } from "../store/files";
import { JsonLinesStore } from "../store/json-lines-store";
import { checkText, MAX_REASON_LENGTH } from "../validate";
import { type ActivationRecord, checkVersionId } from "./entry";

/** The activation log's file in the store directory. */
export const ACTIVATIONS_FILE = "activations.jsonl";

/** Who switched the active version, and why (kept in the activation log). */
export interface ActivationCause {
  reason: string;
  by: string;
}

/** Where the active version is recorded (the registry document). */
export interface ActivePointer {
  readonly activeId: string | null;
  /** Moves the pointer durably; throws when it cannot. */
  setActive(id: string): Promise<void>;
}

/** The append-only log of every switch of the active version (`activations.jsonl`). */
export class ActivationLog {
  private constructor(
    private readonly store: JsonLinesStore<ActivationRecord>,
    private readonly history: ActivationRecord[],
  ) {}

  /** Opens (creating if needed) the log of `directory`; damaged lines are set aside and reported. */
  static async open(directory: string, readOnly: boolean): Promise<{ log: ActivationLog; problems: StoreProblem[] }> {
    const history: ActivationRecord[] = [];
    const { store, problems } = await JsonLinesStore.open<ActivationRecord>({
      directory,
      name: ACTIVATIONS_FILE,
      title: "the activation log",
      replay: (value) => history.push(checkActivation(value)),
      readOnly,
    });
    return { log: new ActivationLog(store, history), problems };
  }

  /** The records, oldest first (not copies). */
  get records(): readonly ActivationRecord[] {
    return this.history;
  }

  /**
   * The one meaning of "previous": the version that was active before the current one became
   * active (the `from` of the last activation that switched to it). InvalidInputError("to") when
   * there is none, UnknownVersionError when it has been deleted or pruned since (`exists` says).
   */
  previousId(activeId: string | null, exists: (id: string) => boolean): string {
    const record = this.history.findLast((r) => r.to === activeId && r.from !== null);
    const previous = record?.from ?? null;
    if (previous === null) throw new InvalidInputError("to", "there is no previous version to roll back to");
    if (!exists(previous)) {
      throw new UnknownVersionError(previous, `the previous version ${previous} no longer exists (deleted or pruned)`);
    }
    return previous;
  }

  /** Write-ahead: the activation record is durable before the pointer moves; open() completes a half-done switch. */
  async switchActive(pointer: ActivePointer, to: string, reason: string, by: string): Promise<void> {
    const from = pointer.activeId;
    await this.append({ at: new Date().toISOString(), from, to, reason, by });
    try {
      await pointer.setActive(to);
    } catch (error) {
      // The record is durable but the pointer did not move: record the way back, so that open()
      // does not complete an activation the caller was told had failed. (Without a previous
      // version there is no way back to record; open() then completes it.)
      if (from !== null) {
        const undo: ActivationRecord = {
          at: new Date().toISOString(),
          from: to,
          to: from,
          reason: `activation of ${to} failed`,
          by: "store",
        };
        await this.append(undo).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Waits for pending appends and closes the file. */
  close(): Promise<void> {
    return this.store.close();
  }

  private append(record: ActivationRecord): Promise<void> {
    return this.store.append([record], () => this.history.push(record));
  }
}

/** Checks one line of the activation log; throws with the reason when it is not an activation record. */
export function checkActivation(value: unknown): ActivationRecord {
  const record = value as Record<string, unknown> | null;
  if (
    typeof record !== "object" ||
    record === null ||
    typeof record.at !== "string" ||
    !(record.from === null || typeof record.from === "string") ||
    typeof record.to !== "string" ||
    typeof record.reason !== "string" ||
    typeof record.by !== "string"
  ) {
    throw new Error("not an activation record {at, from, to, reason, by}");
  }
  checkVersionId(record.to, "to");
  if (record.from !== null) checkVersionId(record.from, "from");
  return { at: record.at, from: record.from as string | null, to: record.to, reason: record.reason, by: record.by };
}

/** Checks who switched and why: non-empty texts of at most MAX_REASON_LENGTH characters. */
export function checkCause(cause: ActivationCause): ActivationCause {
  return {
    reason: checkText(cause?.reason, "reason", MAX_REASON_LENGTH),
    by: checkText(cause?.by, "by", MAX_REASON_LENGTH),
  };
}
