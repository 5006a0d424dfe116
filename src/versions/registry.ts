import {
  describeValue,
  InvalidInputError,
  ModelFormatError,
  PatternQualityError,
  UnknownVersionError,
  VersionInUseError,
} from "../errors";
import { PATTERN_MODEL_SPEC, resolveSetting } from "../settings/spec";
import { ensureDirectory, removeTempFiles, type StoreProblem } from "../store/files";
import { StoreLock } from "../store/lock";
import { type ActivationCause, ActivationLog, checkCause } from "./activation-log";
import { type CompareModels, compareVersions, type VersionComparison } from "./compare";
import { REGISTRY_FILE, VersionDocument } from "./document";
import {
  type ActivationRecord,
  checkVersionId,
  type HoldState,
  holdAt,
  importedMeta,
  newVersionMeta,
  parseModelFile,
  readExport,
  type VersionEntry,
  type VersionEvaluation,
  type VersionInput,
  type VersionLive,
  type VersionMeta,
  versionId,
  versionNumber,
} from "./entry";
import { ModelFiles } from "./model-files";
import type { VersionFilter, VersionRegistryOptions } from "./options";
import { Recovery } from "./recovery";

export { ACTIVATIONS_FILE, type ActivationCause } from "./activation-log";
export {
  type CompareModels,
  type FigureDelta,
  ownFigureDeltas,
  type TreeDifference,
  type VersionComparison,
} from "./compare";
export { REGISTRY_FILE } from "./document";
export { holdAt } from "./entry";
export type {
  ActivationRecord,
  HoldState,
  VersionEntry,
  VersionEvaluation,
  VersionInput,
  VersionKind,
  VersionLive,
  VersionMeta,
} from "./entry";
export { MODELS_DIR } from "./model-files";
export type { VersionFilter, VersionRegistryOptions } from "./options";

/**
 * The model versions of one store directory: a lowdb registry (`versions.json`), one immutable,
 * hash-verified model file per version (`models/v0001.json`), and an append-only activation log.
 */
export class VersionRegistry {
  /** What was found wrong on open (and since, on load), and what was done about it. */
  readonly problems: StoreProblem[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly retention: number;
  private readonly autoPrune: boolean;
  private readonly validateModel: (json: unknown) => void;
  private readonly compareModels: CompareModels | undefined;
  private readonly document: VersionDocument;
  private readonly recovery: Recovery;

  private constructor(
    readonly directory: string,
    private readonly models: ModelFiles,
    private readonly log: ActivationLog,
    private readonly lock: StoreLock | null,
    private readonly readOnly: boolean,
    options: VersionRegistryOptions,
  ) {
    this.retention = options.retention as number;
    this.autoPrune = options.autoPrune ?? true;
    this.validateModel = options.validateModel ?? (() => undefined);
    this.compareModels = options.compareModels;
    this.document = new VersionDocument(directory);
    this.recovery = new Recovery({
      document: this.document,
      models,
      log,
      writable: !readOnly,
      problems: this.problems,
    });
  }

  /** Opens (creating if needed) the registry in `dir`; recovers from crashes and sets damaged files aside. */
  static async open(dir: string, options: VersionRegistryOptions = {}): Promise<VersionRegistry> {
    const retention = resolveSetting(PATTERN_MODEL_SPEC.retention.versions, options.retention, "retention");
    const readOnly = options.readOnly === true;
    if (!readOnly) await ensureDirectory(dir);
    const lock = readOnly ? null : await StoreLock.acquire(dir, "versions");
    let log: ActivationLog | null = null;
    try {
      const models = new ModelFiles(dir);
      if (!readOnly) {
        await models.prepare();
        await removeTempFiles(dir, REGISTRY_FILE);
      }
      const opened = await ActivationLog.open(dir, readOnly);
      log = opened.log;
      const registry = new VersionRegistry(dir, models, log, lock, readOnly, { ...options, retention });
      registry.problems.push(...opened.problems);
      await registry.recovery.recover();
      return registry;
    } catch (error) {
      await log?.close().catch(() => undefined);
      await lock?.release();
      throw error;
    }
  }

  /** The active version's id, or null before the first activation. */
  get activeId(): string | null {
    return this.document.activeId;
  }

  /** Versions, oldest first, optionally filtered. */
  list(filter: VersionFilter = {}): VersionEntry[] {
    let versions = this.document.data.versions.filter(
      (entry) =>
        (filter.kind === undefined || entry.kind === filter.kind) &&
        (filter.pinned === undefined || entry.pinned === filter.pinned),
    );
    if (filter.limit !== undefined) {
      if (!Number.isInteger(filter.limit) || filter.limit < 0) {
        throw new InvalidInputError("limit", `expected a whole number ≥ 0, got ${describeValue(filter.limit)}`);
      }
      versions = versions.slice(Math.max(0, versions.length - filter.limit));
    }
    return versions.map(copyEntry);
  }

  /** One version; UnknownVersionError if there is none with this id. */
  get(id: string): VersionEntry {
    return copyEntry(this.entry(id));
  }

  /** The activation log, oldest first. */
  activations(): ActivationRecord[] {
    return this.log.records.map((record) => ({ ...record }));
  }

  /** Stores a new immutable version (not yet active) and returns its entry. */
  save(input: VersionInput): Promise<VersionEntry> {
    return this.serial(async () => {
      const meta = newVersionMeta(versionId(this.document.data.nextNumber), input);
      const entry = await this.store(meta, input.model);
      if (this.autoPrune) await this.pruneNow();
      return copyEntry(entry);
    });
  }

  /** Reads a version's model, checking its hash (and the caller's validateModel). */
  loadModel(id: string): Promise<unknown> {
    return this.serial(async () => {
      const { model } = parseModelFile(await this.recovery.readVerified(this.entry(id)));
      try {
        this.validateModel(model);
      } catch (error) {
        throw new ModelFormatError(`version ${id} does not hold a usable model: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return model;
    }, true);
  }

  /** The hold a person's switch set (automatic activation waits), or null. */
  get hold(): HoldState | null {
    const hold = this.document.hold;
    return hold ? { ...hold } : null;
  }

  /**
   * Makes `id` the active version (atomic pointer switch, recorded in the activation log). With
   * `hold`, the hold is set (a HoldState) or cleared (null) in the same write as the pointer.
   */
  activate(id: string, cause: ActivationCause, hold?: HoldState | null): Promise<VersionEntry> {
    return this.serial(() => this.activateNow(id, cause, hold));
  }

  /** Ends a hold (a durable write); false when there was none. */
  clearHold(): Promise<boolean> {
    return this.serial(async () => {
      if (!this.document.hold) return false;
      await this.document.commit((document) => {
        document.hold = null;
      });
      return true;
    });
  }

  /**
   * Records a version's own figures (its evaluation, its live figures). A version deleted or
   * pruned meanwhile is skipped: its figures went with it.
   */
  recordFigures(id: string, figures: { evaluation?: VersionEvaluation; live?: VersionLive }): Promise<void> {
    return this.serial(async () => {
      if (!this.document.find(checkVersionId(id))) return;
      await this.document.commit((document) => {
        const entry = document.versions.find((e) => e.id === id)!;
        if (figures.evaluation) entry.evaluation = figures.evaluation;
        if (figures.live) entry.live = figures.live;
      });
    });
  }

  /**
   * The version that was active before the current one became active; InvalidInputError("to") when
   * there is none, UnknownVersionError when it is gone. Defined once, in ActivationLog.previousId.
   */
  previousId(): string {
    return this.log.previousId(this.activeId, (id) => this.document.find(id) !== undefined);
  }

  /**
   * Activates an earlier version: `id`, or "previous" (see previousId). With `hold`, automatic
   * activation is held there for whoever `cause.by` names (a person's rollback).
   */
  rollback(to: string, cause: ActivationCause, options: { hold?: boolean } = {}): Promise<VersionEntry> {
    return this.serial(() => {
      const id = to === "previous" ? this.previousId() : to;
      const hold = options.hold ? holdAt(id, cause) : undefined;
      return this.activateNow(id, cause, hold);
    });
  }

  /** Protects a version from prune and delete. */
  pin(id: string): Promise<VersionEntry> {
    return this.setPinned(id, true);
  }

  /** Removes the protection of pin(). */
  unpin(id: string): Promise<VersionEntry> {
    return this.setPinned(id, false);
  }

  /** Deletes a version (entry and file); never the active or a pinned one. */
  delete(id: string): Promise<void> {
    return this.serial(async () => {
      const entry = this.entry(id);
      if (entry.id === this.activeId)
        throw new VersionInUseError(id, `version ${id} is active; activate another one first`);
      if (entry.pinned) throw new VersionInUseError(id, `version ${id} is pinned; unpin it first`);
      await this.remove([id]);
    });
  }

  /** Deletes versions beyond the retention (the newest N, pinned and active ones stay). */
  prune(): Promise<{ deleted: string[] }> {
    return this.serial(() => this.pruneNow());
  }

  /** Metric deltas, sizes and (with the compareModels option) changed trees between two versions. */
  compare(a: string, b: string): Promise<VersionComparison> {
    return this.serial(async () => {
      const first = this.entry(a);
      const second = this.entry(b);
      const modelA = parseModelFile(await this.recovery.readVerified(first)).model;
      const modelB = parseModelFile(await this.recovery.readVerified(second)).model;
      return compareVersions(first, second, { a: modelA, b: modelB }, this.compareModels);
    }, true);
  }

  /** One version as a single self-verifying JSON document (the model file itself). */
  export(id: string): Promise<string> {
    return this.serial(() => this.recovery.readVerified(this.entry(id)), true);
  }

  /** Adds an exported version under a new id (kind "import"); malformed or altered files are refused. */
  import(text: string): Promise<VersionEntry> {
    return this.serial(async () => {
      const parsed = readExport(text, this.validateModel, this.document.data.versions);
      const meta = importedMeta(versionId(this.document.data.nextNumber), parsed.meta, parsed.digest);
      const entry = await this.store(meta, parsed.model);
      if (this.autoPrune) await this.pruneNow();
      return copyEntry(entry);
    });
  }

  /** Hashes every model file; damaged ones are set aside and reported (as on load). */
  verify(): Promise<StoreProblem[]> {
    return this.serial(async () => {
      const before = this.problems.length;
      for (const entry of [...this.document.data.versions]) {
        await this.recovery.readVerified(entry).catch(() => undefined);
      }
      return this.problems.slice(before);
    }, true);
  }

  /** Waits for running operations and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.log.close();
    await this.lock?.release();
  }

  // ---- internals ----

  /** Runs operations one at a time; `reads` ones are allowed on a read-only registry. */
  private serial<T>(operation: () => Promise<T>, reads = false): Promise<T> {
    const refusal = this.closed
      ? new PatternQualityError("store-closed", `the version registry in ${this.directory} is closed`)
      : this.readOnly && !reads
        ? new PatternQualityError("store-read-only", `the version registry in ${this.directory} was opened read-only`)
        : null;
    const run = this.queue.then(() => {
      if (refusal) throw refusal;
      return operation();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private entry(id: string): VersionEntry {
    checkVersionId(id);
    const entry = this.document.find(id);
    if (!entry) throw new UnknownVersionError(id, `there is no version ${id} in ${this.directory}`);
    return entry;
  }

  /** Writes the model file, then the entry: a crash in between leaves a leftover file, removed on open. */
  private async store(meta: VersionMeta, model: unknown): Promise<VersionEntry> {
    const entry = await this.models.write(meta, model);
    try {
      await this.document.commit((document) => {
        document.versions.push(entry);
        document.nextNumber = versionNumber(meta.id) + 1;
      });
    } catch (error) {
      await this.models.discard(meta.id).catch(() => undefined);
      throw error;
    }
    return entry;
  }

  private async activateNow(id: string, cause: ActivationCause, hold?: HoldState | null): Promise<VersionEntry> {
    const entry = this.entry(id);
    const { reason, by } = checkCause(cause);
    if (this.activeId === id) {
      if (hold !== undefined) await this.document.setActive(id, hold);
      return copyEntry(entry);
    }
    await this.recovery.readVerified(entry);
    const pointer = { activeId: this.activeId, setActive: (to: string) => this.document.setActive(to, hold) };
    await this.log.switchActive(pointer, id, reason, by);
    return copyEntry(entry);
  }

  private setPinned(id: string, pinned: boolean): Promise<VersionEntry> {
    return this.serial(async () => {
      this.entry(id);
      await this.document.commit((document) => {
        document.versions.find((entry) => entry.id === id)!.pinned = pinned;
      });
      return this.get(id);
    });
  }

  private async pruneNow(): Promise<{ deleted: string[] }> {
    const versions = this.document.data.versions;
    const newest = new Set(versions.slice(Math.max(0, versions.length - this.retention)).map((entry) => entry.id));
    const deleted = versions
      .filter((entry) => !newest.has(entry.id) && !entry.pinned && entry.id !== this.activeId)
      .map((entry) => entry.id);
    if (deleted.length > 0) await this.remove(deleted);
    return { deleted };
  }

  /** Entries leave the registry first, files after: a crash in between leaves only a leftover file, removed on open. */
  private async remove(ids: string[]): Promise<void> {
    const doomed = new Set(ids);
    await this.document.commit((document) => {
      document.versions = document.versions.filter((entry) => !doomed.has(entry.id));
    });
    await this.models.remove(ids);
  }
}

/** A copy of an entry; entries of older registries get the figures they lack as null. */
function copyEntry(entry: VersionEntry): VersionEntry {
  return { ...structuredClone(entry), evaluation: entry.evaluation ?? null, live: entry.live ?? null };
}
