import { ModelFormatError, StoreCorruptError, StoreWriteError } from "../errors";
import { type StoreProblem, sha256 } from "../store/files";
import { ACTIVATIONS_FILE, type ActivationLog } from "./activation-log";
import { emptyDocument, REGISTRY_FILE, type RegistryDocument, type VersionDocument } from "./document";
import { parseModelFile, type VersionEntry, versionNumber } from "./entry";
import { entryFor, type ModelFiles } from "./model-files";

/** The parts of a registry that recovery brings back in line. */
export interface RegistryParts {
  document: VersionDocument;
  models: ModelFiles;
  log: ActivationLog;
  /** False when opened read-only: damage is reported, nothing is repaired or set aside. */
  writable: boolean;
  /** Where what was found wrong, and what was done about it, is reported. */
  problems: StoreProblem[];
}

/**
 * Crash recovery and damage handling of a registry: on open it makes the registry document, the
 * model files and the activation log agree again; on every read it verifies a model file and
 * drops a damaged version, falling back to the last good one if it was active.
 */
export class Recovery {
  constructor(private readonly parts: RegistryParts) {}

  /** Brings the registry, the model files and the activation log back in line after a crash or damage. */
  async recover(): Promise<void> {
    const { document: registry, models, log, writable, problems } = this.parts;
    let document: RegistryDocument | null;
    try {
      document = await registry.read();
    } catch (error) {
      if (error instanceof StoreWriteError) throw error;
      const problem: StoreProblem = {
        file: REGISTRY_FILE,
        kind: "corrupt-registry",
        message: `${REGISTRY_FILE} is damaged (${(error as Error).message})`,
      };
      if (writable) problem.setAsideAs = await registry.setAside();
      problems.push(problem);
      document = null;
    }
    const files = await models.ids();
    if (document === null) {
      const rebuilt = files.length > 0 || log.records.length > 0 ? await this.rebuild(files) : emptyDocument();
      await registry.replace(rebuilt, writable);
    } else {
      await registry.replace(document, false);
    }
    if (!writable) return;

    // Files without an entry: an unfinished save (never acknowledged) or an interrupted delete.
    const known = new Set(registry.data.versions.map((entry) => entry.id));
    for (const id of files) {
      if (known.has(id)) continue;
      await models.discard(id);
      problems.push({
        file: models.name(id),
        kind: "unfinished-save",
        message: `removed ${id}.json: its save or delete was interrupted before it was recorded`,
      });
    }
    // Entries whose file is gone or has the wrong size: detected cheaply here, by hash on load.
    for (const entry of [...registry.data.versions]) {
      const size = await models.size(entry.id);
      if (size === -1) {
        await this.dropBroken(
          entry,
          "missing-model",
          `the model file of ${entry.id} is missing; the version was removed`,
        );
      } else if (size !== entry.sizeBytes) {
        const setAsideAs = await models.setAside(entry.id);
        await this.dropBroken(
          entry,
          "wrong-hash",
          `the model file of ${entry.id} has the wrong size; the version was removed`,
          setAsideAs,
        );
      }
    }
    // A switch whose record is durable but whose pointer move was cut off: complete it.
    const last = log.records.at(-1);
    if (last && last.to !== registry.activeId && registry.find(last.to)) {
      await registry.setActive(last.to);
      problems.push({
        file: ACTIVATIONS_FILE,
        kind: "recovered-activation",
        message: `completed the activation of ${last.to} (${last.reason}) that a crash interrupted`,
      });
    }
    const active = registry.activeId === null ? undefined : registry.find(registry.activeId);
    if (active) await this.readVerified(active).catch(() => undefined);
  }

  /**
   * Reads a model file and checks its hash. A missing or damaged file is set aside, its entry
   * removed and reported; if it was the active version, the last good one becomes active again.
   */
  async readVerified(entry: VersionEntry): Promise<string> {
    const { models, writable } = this.parts;
    const file = models.path(entry.id);
    const text = await models.read(entry.id);
    if (text === null) {
      await this.dropBroken(entry, "missing-model", `the model file of ${entry.id} is missing`);
      throw new StoreCorruptError(
        file,
        `the model file of version ${entry.id} is missing; the version was removed from the registry`,
      );
    }
    if (sha256(text) !== entry.sha256) {
      const setAsideAs = writable ? await models.setAside(entry.id) : undefined;
      await this.dropBroken(entry, "wrong-hash", `the model file of ${entry.id} does not match its sha256`, setAsideAs);
      const wrong = `the model file of version ${entry.id} does not match its sha256`;
      throw new StoreCorruptError(file, setAsideAs ? `${wrong}; it was set aside as ${setAsideAs}` : wrong);
    }
    return text;
  }

  private async dropBroken(
    entry: VersionEntry,
    kind: StoreProblem["kind"],
    message: string,
    setAsideAs?: string,
  ): Promise<void> {
    const { document, models, writable, problems } = this.parts;
    const problem: StoreProblem = { file: models.name(entry.id), kind, message };
    if (setAsideAs) problem.setAsideAs = setAsideAs;
    problems.push(problem);
    if (!writable) return;
    await document.commit((next) => {
      next.versions = next.versions.filter((other) => other.id !== entry.id);
    });
    if (document.activeId === entry.id) await this.fallBackFrom(entry.id);
  }

  /** Activates the most recent earlier active version that still verifies (or none). */
  private async fallBackFrom(broken: string): Promise<void> {
    const { document, models, log, problems } = this.parts;
    const candidates = [
      ...log.records.map((record) => record.to).reverse(),
      ...document.data.versions.map((e) => e.id).reverse(),
    ];
    for (const id of candidates) {
      const entry = document.find(id);
      if (!entry || id === broken || !(await models.verifies(entry))) continue;
      await log.switchActive(document, id, `recovery: the active version ${broken} failed verification`, "store");
      problems.push({
        file: REGISTRY_FILE,
        kind: "active-replaced",
        message: `the active version ${broken} failed verification; ${id}, the last good version, is active again`,
      });
      return;
    }
    await document.commit((next) => {
      next.activeId = null;
    });
    problems.push({
      file: REGISTRY_FILE,
      kind: "active-replaced",
      message: `the active version ${broken} failed verification and no other version verifies; none is active`,
    });
  }

  /** A registry rebuilt from the model files (their embedded metadata) and the activation log. */
  private async rebuild(files: string[]): Promise<RegistryDocument> {
    const { models, log, writable, problems } = this.parts;
    const document = emptyDocument();
    let highest = 0;
    for (const id of files) {
      highest = Math.max(highest, versionNumber(id));
      const text = await models.text(id);
      try {
        const { meta, digest } = parseModelFile(text);
        if (meta.id !== id) throw new ModelFormatError(`it claims to be ${meta.id}`);
        document.versions.push(entryFor(meta, text, digest));
      } catch (error) {
        const problem: StoreProblem = {
          file: models.name(id),
          kind: "corrupt-model",
          message: `${id}.json cannot be used to rebuild the registry: ${(error as Error).message}`,
        };
        if (writable) problem.setAsideAs = await models.setAside(id);
        problems.push(problem);
      }
    }
    for (const record of log.records) {
      highest = Math.max(highest, versionNumber(record.to), record.from ? versionNumber(record.from) : 0);
    }
    document.nextNumber = highest + 1;
    const lastGood = [...log.records]
      .reverse()
      .find((record) => document.versions.some((entry) => entry.id === record.to));
    document.activeId = lastGood?.to ?? null;
    problems.push({
      file: REGISTRY_FILE,
      kind: "rebuilt-registry",
      message:
        `${REGISTRY_FILE} was rebuilt from ${document.versions.length} model file(s) and the activation log; ` +
        `active: ${document.activeId ?? "none"}; pins were not recoverable`,
    });
    return document;
  }
}
