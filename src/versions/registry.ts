import { promises as fs } from "node:fs";
import * as path from "node:path";
import { Low } from "lowdb";
import type { Adapter } from "lowdb";
import {
  describeValue,
  InvalidInputError,
  ModelFormatError,
  PatternQualityError,
  StoreCorruptError,
  StoreWriteError,
  UnknownVersionError,
  VersionInUseError,
} from "../errors";
import { AppendFile } from "../store/append-file";
import {
  ensureDirectory,
  fsyncDirectory,
  removeTempFiles,
  setAside,
  sha256,
  storeWriteError,
  writeFileAtomic,
  type StoreProblem,
} from "../store/files";
import { jsonLines, readJsonLines, setAsideLines } from "../store/json-lines";
import { StoreLock } from "../store/lock";
import {
  checkKind,
  checkMetrics,
  checkNote,
  checkTrainedOn,
  checkVersionId,
  modelFileText,
  parseModelFile,
  versionId,
  versionNumber,
  type ActivationRecord,
  type VersionEntry,
  type VersionInput,
  type VersionKind,
  type VersionMeta,
} from "./entry";

export type { ActivationRecord, VersionEntry, VersionInput, VersionKind, VersionMeta } from "./entry";

export interface VersionRegistryOptions {
  /** Checks a model on load and import (e.g. the learner's fromJSON); throws when it is not a usable model. */
  validateModel?: (json: unknown) => void;
  /** Versions kept by prune(), besides pinned and active ones (default 20). */
  retention?: number;
  /** Prune after every save (default true). */
  autoPrune?: boolean;
  /** Read without taking the writer lock or repairing anything (e.g. the CLI beside a running Node-RED). */
  readOnly?: boolean;
}

export interface VersionFilter {
  kind?: VersionKind;
  pinned?: boolean;
  /** Only the newest `limit` versions. */
  limit?: number;
}

/** Who switched the active version, and why (kept in the activation log). */
export interface ActivationCause {
  reason: string;
  by: string;
}

export interface VersionComparison {
  a: string;
  b: string;
  /** Per metric present in either: both values and b − a where both are numbers. */
  metrics: Record<string, { a: number | boolean | null; b: number | boolean | null; delta: number | null }>;
  sizeBytes: { a: number; b: number; delta: number };
  /** When both models hold a `trees` array: how many of b's trees are not in a. */
  trees: { a: number; b: number; changed: number } | null;
}

interface RegistryDocument {
  format: "pattern-quality-versions";
  formatVersion: 1;
  /** Never decreases, so an id is never reused, even after delete or prune. */
  nextNumber: number;
  activeId: string | null;
  versions: VersionEntry[];
}

export const REGISTRY_FILE = "versions.json";
export const ACTIVATIONS_FILE = "activations.jsonl";
export const MODELS_DIR = "models";
const MODEL_FILE = /^(v\d{4,9})\.json$/;

/** lowdb adapter that reads strictly and writes durably (temp, fsync, rename, fsync directory). */
class DurableJsonFile implements Adapter<RegistryDocument> {
  constructor(private readonly file: string) {}

  async read(): Promise<RegistryDocument | null> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw storeWriteError(this.file, "read", error);
    }
    return checkDocument(JSON.parse(text));
  }

  async write(document: RegistryDocument): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify(document, null, 1)}\n`);
  }
}

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

  private constructor(
    readonly directory: string,
    private readonly db: Low<RegistryDocument>,
    private readonly registryFile: DurableJsonFile,
    private readonly log: AppendFile | null,
    private readonly history: ActivationRecord[],
    private readonly lock: StoreLock | null,
    options: VersionRegistryOptions,
  ) {
    this.retention = options.retention ?? 20;
    this.autoPrune = options.autoPrune ?? true;
    this.validateModel = options.validateModel ?? (() => undefined);
  }

  /** Opens (creating if needed) the registry in `dir`; recovers from crashes and sets damaged files aside. */
  static async open(dir: string, options: VersionRegistryOptions = {}): Promise<VersionRegistry> {
    const retention = options.retention ?? 20;
    if (!Number.isInteger(retention) || retention < 1) {
      throw new InvalidInputError(
        "retention",
        `expected a whole number of versions ≥ 1, got ${describeValue(retention)}`,
      );
    }
    const readOnly = options.readOnly === true;
    if (!readOnly) await ensureDirectory(dir);
    const lock = readOnly ? null : await StoreLock.acquire(dir, "versions");
    let log: AppendFile | null = null;
    try {
      const models = path.join(dir, MODELS_DIR);
      if (!readOnly) {
        await ensureDirectory(models);
        await removeTempFiles(dir, REGISTRY_FILE, ACTIVATIONS_FILE);
        await removeTempFiles(models);
      }
      const problems: StoreProblem[] = [];
      const logFile = path.join(dir, ACTIVATIONS_FILE);
      const logRead = await readJsonLines(logFile, checkActivation);
      if (!readOnly) {
        problems.push(...(await setAsideLines(logFile, logRead.rejected, () => jsonLines(logRead.records), dir)));
      }
      const registryFile = new DurableJsonFile(path.join(dir, REGISTRY_FILE));
      const db = new Low<RegistryDocument>(registryFile, emptyDocument());
      log = readOnly ? null : await AppendFile.open(logFile);
      const registry = new VersionRegistry(dir, db, registryFile, log, logRead.records, lock, options);
      registry.problems.push(...problems);
      await registry.recover(readOnly);
      return registry;
    } catch (error) {
      await log?.close().catch(() => undefined);
      await lock?.release();
      throw error;
    }
  }

  /** The active version's id, or null before the first activation. */
  get activeId(): string | null {
    return this.db.data.activeId;
  }

  /** Versions, oldest first, optionally filtered. */
  list(filter: VersionFilter = {}): VersionEntry[] {
    let versions = this.db.data.versions.filter(
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
    return this.history.map((record) => ({ ...record }));
  }

  /** Stores a new immutable version (not yet active) and returns its entry. */
  save(input: VersionInput): Promise<VersionEntry> {
    return this.serial(async () => {
      if (typeof input !== "object" || input === null) {
        throw new InvalidInputError(
          "version",
          `expected { model, kind, trainedOn, metrics }, got ${describeValue(input)}`,
        );
      }
      const parentId =
        input.parentId === undefined || input.parentId === null ? null : checkVersionId(input.parentId, "parentId");
      const meta: VersionMeta = {
        id: versionId(this.db.data.nextNumber),
        createdAt: new Date().toISOString(),
        parentId,
        kind: checkKind(input.kind),
        trainedOn: checkTrainedOn(input.trainedOn),
        metrics: checkMetrics(input.metrics),
        note: input.note === undefined ? null : checkNote(input.note),
      };
      const entry = await this.store(meta, input.model);
      if (this.autoPrune) await this.pruneNow();
      return copyEntry(entry);
    });
  }

  /** Reads a version's model, checking its hash (and the caller's validateModel). */
  loadModel(id: string): Promise<unknown> {
    return this.serial(async () => {
      const { model } = parseModelFile(await this.readVerified(this.entry(id)));
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

  /** Makes `id` the active version (atomic pointer switch, recorded in the activation log). */
  activate(id: string, cause: ActivationCause): Promise<VersionEntry> {
    return this.serial(() => this.activateNow(id, cause));
  }

  /**
   * The one meaning of "previous": the version that was active before the current one became
   * active (the `from` of the last activation that switched to it). InvalidInputError("to") when
   * there is none, UnknownVersionError when it has been deleted or pruned since.
   */
  previousId(): string {
    const active = this.activeId;
    const record = this.history.findLast((r) => r.to === active && r.from !== null);
    const previous = record?.from ?? null;
    if (previous === null) throw new InvalidInputError("to", "there is no previous version to roll back to");
    if (!this.find(previous)) {
      throw new UnknownVersionError(previous, `the previous version ${previous} no longer exists (deleted or pruned)`);
    }
    return previous;
  }

  /** Activates an earlier version: `id`, or "previous" (see previousId). */
  rollback(to: string, cause: ActivationCause): Promise<VersionEntry> {
    return this.serial(() => this.activateNow(to === "previous" ? this.previousId() : to, cause));
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

  /** Metric deltas, sizes and changed trees between two versions. */
  compare(a: string, b: string): Promise<VersionComparison> {
    return this.serial(async () => {
      const first = this.entry(a);
      const second = this.entry(b);
      const modelA = parseModelFile(await this.readVerified(first)).model;
      const modelB = parseModelFile(await this.readVerified(second)).model;
      const metrics: VersionComparison["metrics"] = {};
      for (const name of new Set([...Object.keys(first.metrics), ...Object.keys(second.metrics)])) {
        const x = first.metrics[name] ?? null;
        const y = second.metrics[name] ?? null;
        metrics[name] = { a: x, b: y, delta: typeof x === "number" && typeof y === "number" ? y - x : null };
      }
      const treesA = treesOf(modelA);
      const treesB = treesOf(modelB);
      let trees: VersionComparison["trees"] = null;
      if (treesA && treesB) {
        const remaining = new Map<string, number>();
        for (const tree of treesA) remaining.set(tree, (remaining.get(tree) ?? 0) + 1);
        let changed = 0;
        for (const tree of treesB) {
          const left = remaining.get(tree) ?? 0;
          if (left > 0) remaining.set(tree, left - 1);
          else changed += 1;
        }
        trees = { a: treesA.length, b: treesB.length, changed };
      }
      return {
        a,
        b,
        metrics,
        sizeBytes: { a: first.sizeBytes, b: second.sizeBytes, delta: second.sizeBytes - first.sizeBytes },
        trees,
      };
    }, true);
  }

  /** One version as a single self-verifying JSON document (the model file itself). */
  export(id: string): Promise<string> {
    return this.serial(() => this.readVerified(this.entry(id)), true);
  }

  /** Adds an exported version under a new id (kind "import"); malformed or altered files are refused. */
  import(text: string): Promise<VersionEntry> {
    return this.serial(async () => {
      if (typeof text !== "string")
        throw new InvalidInputError("file", `expected the text of an export, got ${describeValue(text)}`);
      let parsed: ReturnType<typeof parseModelFile>;
      try {
        parsed = parseModelFile(text);
        this.validateModel(parsed.model);
      } catch (error) {
        throw new ModelFormatError(`cannot import: ${(error as Error).message}`, { cause: error });
      }
      const same = this.db.data.versions.find(
        (entry) => entry.digest === parsed.digest || entry.importedFrom?.digest === parsed.digest,
      );
      if (same) throw new InvalidInputError("file", `this version is already in the registry as ${same.id}`);
      const source = parsed.meta;
      const meta: VersionMeta = {
        id: versionId(this.db.data.nextNumber),
        createdAt: new Date().toISOString(),
        parentId: null,
        kind: "import",
        trainedOn: source.trainedOn,
        metrics: source.metrics,
        note: `imported ${source.id} (${source.kind}, created ${source.createdAt})${source.note ? `: ${source.note}` : ""}`.slice(
          0,
          1000,
        ),
        importedFrom: { id: source.id, digest: parsed.digest },
      };
      const entry = await this.store(meta, parsed.model);
      if (this.autoPrune) await this.pruneNow();
      return copyEntry(entry);
    });
  }

  /** Hashes every model file; damaged ones are set aside and reported (as on load). */
  verify(): Promise<StoreProblem[]> {
    return this.serial(async () => {
      const before = this.problems.length;
      for (const entry of [...this.db.data.versions]) {
        await this.readVerified(entry).catch(() => undefined);
      }
      return this.problems.slice(before);
    }, true);
  }

  /** Waits for running operations and releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.log?.close();
    await this.lock?.release();
  }

  // ---- internals ----

  /** Runs operations one at a time; `reads` ones are allowed on a read-only registry. */
  private serial<T>(operation: () => Promise<T>, reads = false): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new PatternQualityError("store-closed", `the version registry in ${this.directory} is closed`),
      );
    }
    const run = this.queue.then(() => {
      if (!this.log && !reads) {
        throw new PatternQualityError(
          "store-read-only",
          `the version registry in ${this.directory} was opened read-only`,
        );
      }
      return operation();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private find(id: string): VersionEntry | undefined {
    return this.db.data.versions.find((entry) => entry.id === id);
  }

  private entry(id: string): VersionEntry {
    checkVersionId(id);
    const entry = this.find(id);
    if (!entry) throw new UnknownVersionError(id, `there is no version ${id} in ${this.directory}`);
    return entry;
  }

  private modelPath(id: string): string {
    return path.join(this.directory, MODELS_DIR, `${id}.json`);
  }

  /** Applies `change` to a copy of the document and writes it; memory changes only if the write succeeds. */
  private async commit(change: (document: RegistryDocument) => void): Promise<void> {
    const previous = this.db.data;
    const next = structuredClone(previous);
    change(next);
    this.db.data = next;
    try {
      await this.db.write();
    } catch (error) {
      this.db.data = previous;
      throw error;
    }
  }

  private async store(meta: VersionMeta, model: unknown): Promise<VersionEntry> {
    const { text, digest } = modelFileText(meta, model);
    const file = this.modelPath(meta.id);
    await writeFileAtomic(file, text);
    const entry: VersionEntry = {
      ...meta,
      sha256: sha256(text),
      sizeBytes: Buffer.byteLength(text),
      digest,
      pinned: false,
    };
    try {
      await this.commit((document) => {
        document.versions.push(entry);
        document.nextNumber = versionNumber(meta.id) + 1;
      });
    } catch (error) {
      await fs.rm(file, { force: true }).catch(() => undefined);
      throw error;
    }
    return entry;
  }

  private async activateNow(id: string, cause: ActivationCause): Promise<VersionEntry> {
    const entry = this.entry(id);
    const reason = checkText(cause?.reason, "reason");
    const by = checkText(cause?.by, "by");
    if (this.activeId === id) return copyEntry(entry);
    await this.readVerified(entry);
    await this.switchTo(id, reason, by);
    return copyEntry(entry);
  }

  /** Write-ahead: the activation record is durable before the pointer moves; open() completes a half-done switch. */
  private async switchTo(to: string | null, reason: string, by: string): Promise<void> {
    const from = this.activeId;
    if (to !== null) {
      const record: ActivationRecord = { at: new Date().toISOString(), from, to, reason, by };
      await this.log!.append(`${JSON.stringify(record)}\n`, () => this.history.push(record));
    }
    try {
      await this.commit((document) => {
        document.activeId = to;
      });
    } catch (error) {
      // The record is durable but the pointer did not move: record the way back, so that open()
      // does not complete an activation the caller was told had failed. (Without a previous
      // version there is no way back to record; open() then completes it.)
      if (to !== null && from !== null) {
        const undo: ActivationRecord = {
          at: new Date().toISOString(),
          from: to,
          to: from,
          reason: `activation of ${to} failed`,
          by: "store",
        };
        await this.log!.append(`${JSON.stringify(undo)}\n`, () => this.history.push(undo)).catch(() => undefined);
      }
      throw error;
    }
  }

  private setPinned(id: string, pinned: boolean): Promise<VersionEntry> {
    return this.serial(async () => {
      this.entry(id);
      await this.commit((document) => {
        document.versions.find((entry) => entry.id === id)!.pinned = pinned;
      });
      return this.get(id);
    });
  }

  private async pruneNow(): Promise<{ deleted: string[] }> {
    const versions = this.db.data.versions;
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
    await this.commit((document) => {
      document.versions = document.versions.filter((entry) => !doomed.has(entry.id));
    });
    for (const id of ids) await fs.rm(this.modelPath(id), { force: true });
    await fsyncDirectory(path.join(this.directory, MODELS_DIR));
  }

  /**
   * Reads a model file and checks its hash. A missing or damaged file is set aside, its entry
   * removed and reported; if it was the active version, the last good one becomes active again.
   */
  private async readVerified(entry: VersionEntry): Promise<string> {
    const file = this.modelPath(entry.id);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw storeWriteError(file, "read", error);
      await this.dropBroken(entry, "missing-model", `the model file of ${entry.id} is missing`);
      throw new StoreCorruptError(
        file,
        `the model file of version ${entry.id} is missing; the version was removed from the registry`,
      );
    }
    if (sha256(text) !== entry.sha256) {
      const setAsideAs = await this.setAsideIfWritable(file);
      await this.dropBroken(entry, "wrong-hash", `the model file of ${entry.id} does not match its sha256`, setAsideAs);
      throw new StoreCorruptError(
        file,
        `the model file of version ${entry.id} does not match its sha256${setAsideAs ? `; it was set aside as ${setAsideAs}` : ""}`,
      );
    }
    return text;
  }

  private async setAsideIfWritable(file: string): Promise<string | undefined> {
    return this.log ? setAside(file) : undefined;
  }

  private async dropBroken(
    entry: VersionEntry,
    kind: StoreProblem["kind"],
    message: string,
    setAsideAs?: string,
  ): Promise<void> {
    const problem: StoreProblem = { file: path.join(MODELS_DIR, `${entry.id}.json`), kind, message };
    if (setAsideAs) problem.setAsideAs = setAsideAs;
    this.problems.push(problem);
    if (!this.log) return;
    await this.commit((document) => {
      document.versions = document.versions.filter((other) => other.id !== entry.id);
    });
    if (this.activeId === entry.id) await this.fallBackFrom(entry.id);
  }

  /** Activates the most recent earlier active version that still verifies (or none). */
  private async fallBackFrom(broken: string): Promise<void> {
    const candidates = [
      ...this.history.map((record) => record.to).reverse(),
      ...this.db.data.versions.map((e) => e.id).reverse(),
    ];
    for (const id of candidates) {
      const entry = this.find(id);
      if (!entry || id === broken) continue;
      try {
        const text = await fs.readFile(this.modelPath(id), "utf8");
        if (sha256(text) !== entry.sha256) continue;
      } catch {
        continue;
      }
      await this.switchTo(id, `recovery: the active version ${broken} failed verification`, "store");
      this.problems.push({
        file: REGISTRY_FILE,
        kind: "active-replaced",
        message: `the active version ${broken} failed verification; ${id}, the last good version, is active again`,
      });
      return;
    }
    await this.commit((document) => {
      document.activeId = null;
    });
    this.problems.push({
      file: REGISTRY_FILE,
      kind: "active-replaced",
      message: `the active version ${broken} failed verification and no other version verifies; none is active`,
    });
  }

  /** Brings the registry, the model files and the activation log back in line after a crash or damage. */
  private async recover(readOnly: boolean): Promise<void> {
    const registryFile = path.join(this.directory, REGISTRY_FILE);
    let document: RegistryDocument | null;
    try {
      document = await this.registryFile.read();
    } catch (error) {
      if (error instanceof StoreWriteError) throw error;
      const problem: StoreProblem = {
        file: REGISTRY_FILE,
        kind: "corrupt-registry",
        message: `${REGISTRY_FILE} is damaged (${(error as Error).message})`,
      };
      if (!readOnly) problem.setAsideAs = await setAside(registryFile);
      this.problems.push(problem);
      document = null;
    }
    const files = await this.modelFiles();
    if (document === null) {
      document = files.length > 0 || this.history.length > 0 ? await this.rebuild(files, readOnly) : emptyDocument();
      this.db.data = document;
      if (readOnly) return;
      await this.db.write();
    }
    this.db.data = document;
    if (readOnly) return;

    // Files without an entry: an unfinished save (never acknowledged) or an interrupted delete.
    const known = new Set(document.versions.map((entry) => entry.id));
    for (const id of files) {
      if (known.has(id)) continue;
      await fs.rm(this.modelPath(id), { force: true });
      this.problems.push({
        file: path.join(MODELS_DIR, `${id}.json`),
        kind: "unfinished-save",
        message: `removed ${id}.json: its save or delete was interrupted before it was recorded`,
      });
    }
    // Entries whose file is gone or has the wrong size: detected cheaply here, by hash on load.
    for (const entry of [...document.versions]) {
      const file = this.modelPath(entry.id);
      const size = await fs.stat(file).then(
        (stat) => stat.size,
        () => -1,
      );
      if (size === -1) {
        await this.dropBroken(
          entry,
          "missing-model",
          `the model file of ${entry.id} is missing; the version was removed`,
        );
      } else if (size !== entry.sizeBytes) {
        const setAsideAs = await setAside(file);
        await this.dropBroken(
          entry,
          "wrong-hash",
          `the model file of ${entry.id} has the wrong size; the version was removed`,
          setAsideAs,
        );
      }
    }
    // A switch whose record is durable but whose pointer move was cut off: complete it.
    const last = this.history.at(-1);
    if (last && last.to !== this.activeId && this.find(last.to)) {
      await this.commit((next) => {
        next.activeId = last.to;
      });
      this.problems.push({
        file: ACTIVATIONS_FILE,
        kind: "recovered-activation",
        message: `completed the activation of ${last.to} (${last.reason}) that a crash interrupted`,
      });
    }
    const active = this.activeId === null ? undefined : this.find(this.activeId);
    if (active) await this.readVerified(active).catch(() => undefined);
  }

  /** A registry rebuilt from the model files (their embedded metadata) and the activation log. */
  private async rebuild(files: string[], readOnly: boolean): Promise<RegistryDocument> {
    const document = emptyDocument();
    let highest = 0;
    for (const id of files) {
      const file = this.modelPath(id);
      highest = Math.max(highest, versionNumber(id));
      const text = await fs.readFile(file, "utf8");
      try {
        const { meta, digest } = parseModelFile(text);
        if (meta.id !== id) throw new ModelFormatError(`it claims to be ${meta.id}`);
        document.versions.push({
          ...meta,
          sha256: sha256(text),
          sizeBytes: Buffer.byteLength(text),
          digest,
          pinned: false,
        });
      } catch (error) {
        const problem: StoreProblem = {
          file: path.join(MODELS_DIR, `${id}.json`),
          kind: "corrupt-model",
          message: `${id}.json cannot be used to rebuild the registry: ${(error as Error).message}`,
        };
        if (!readOnly) problem.setAsideAs = await setAside(file);
        this.problems.push(problem);
      }
    }
    for (const record of this.history) {
      highest = Math.max(highest, versionNumber(record.to), record.from ? versionNumber(record.from) : 0);
    }
    document.nextNumber = highest + 1;
    const lastGood = [...this.history]
      .reverse()
      .find((record) => document.versions.some((entry) => entry.id === record.to));
    document.activeId = lastGood?.to ?? null;
    this.problems.push({
      file: REGISTRY_FILE,
      kind: "rebuilt-registry",
      message:
        `${REGISTRY_FILE} was rebuilt from ${document.versions.length} model file(s) and the activation log; ` +
        `active: ${document.activeId ?? "none"}; pins were not recoverable`,
    });
    return document;
  }

  private async modelFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(path.join(this.directory, MODELS_DIR));
    } catch {
      return [];
    }
    return names
      .map((name) => MODEL_FILE.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort((x, y) => versionNumber(x) - versionNumber(y));
  }
}

function emptyDocument(): RegistryDocument {
  return { format: "pattern-quality-versions", formatVersion: 1, nextNumber: 1, activeId: null, versions: [] };
}

function copyEntry(entry: VersionEntry): VersionEntry {
  return structuredClone(entry);
}

function checkText(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 500) {
    throw new InvalidInputError(
      field,
      `expected a non-empty text of at most 500 characters, got ${describeValue(value)}`,
    );
  }
  return value;
}

function treesOf(model: unknown): string[] | null {
  const trees = (model as { trees?: unknown } | null)?.trees;
  return Array.isArray(trees) ? trees.map((tree) => JSON.stringify(tree)) : null;
}

function checkActivation(value: unknown): ActivationRecord {
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

function checkDocument(value: unknown): RegistryDocument {
  const document = value as Partial<RegistryDocument> | null;
  if (
    typeof document !== "object" ||
    document === null ||
    document.format !== "pattern-quality-versions" ||
    document.formatVersion !== 1 ||
    typeof document.nextNumber !== "number" ||
    !Array.isArray(document.versions) ||
    !(document.activeId === null || typeof document.activeId === "string")
  ) {
    throw new Error("not a version registry document");
  }
  for (const entry of document.versions) {
    const e = entry as Partial<VersionEntry> | null;
    if (typeof e !== "object" || e === null || typeof e.sha256 !== "string" || typeof e.sizeBytes !== "number") {
      throw new Error("a version entry is malformed");
    }
    checkVersionId(e.id);
  }
  if (document.activeId !== null && !document.versions.some((entry) => entry.id === document.activeId)) {
    throw new Error(`the active version ${document.activeId} has no entry`);
  }
  return document as RegistryDocument;
}
