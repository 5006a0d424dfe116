import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { Adapter } from "lowdb";
import { Low } from "lowdb";
import { setAside, storeWriteError, writeFileAtomic } from "../store/files";
import { checkVersionId, type HoldState, type VersionEntry } from "./entry";

/** The registry document as stored in `versions.json`. */
export interface RegistryDocument {
  format: "pattern-quality-versions";
  formatVersion: 1;
  /** Never decreases, so an id is never reused, even after delete or prune. */
  nextNumber: number;
  activeId: string | null;
  versions: VersionEntry[];
  /** Set when a person switched versions: automatic activation waits (absent in older registries). */
  hold?: HoldState | null;
}

/** The registry document's file in the store directory. */
export const REGISTRY_FILE = "versions.json";

/** lowdb adapter that reads strictly and writes durably (temp, fsync, rename, fsync directory). */
class DurableJsonFile implements Adapter<RegistryDocument> {
  constructor(readonly file: string) {}

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
 * The registry document (`versions.json`) of one store directory: the version entries and the
 * active pointer, in memory and on disk, changed only by a durable write.
 */
export class VersionDocument {
  private readonly file: DurableJsonFile;
  private readonly db: Low<RegistryDocument>;

  constructor(directory: string) {
    this.file = new DurableJsonFile(path.join(directory, REGISTRY_FILE));
    this.db = new Low<RegistryDocument>(this.file, emptyDocument());
  }

  /** The document in memory; change it only through commit(). */
  get data(): RegistryDocument {
    return this.db.data;
  }

  /** The active version's id, or null. */
  get activeId(): string | null {
    return this.db.data.activeId;
  }

  /** The hold a person's switch set, or null. */
  get hold(): HoldState | null {
    return this.db.data.hold ?? null;
  }

  /** The entry with this id, if any (not a copy). */
  find(id: string): VersionEntry | undefined {
    return this.db.data.versions.find((entry) => entry.id === id);
  }

  /**
   * Reads `versions.json` strictly: null when there is none, StoreWriteError when it cannot be
   * read, any other error when it is damaged.
   */
  read(): Promise<RegistryDocument | null> {
    return this.file.read();
  }

  /** Takes `document` as the one in memory, writing it unless `write` is false (read-only). */
  async replace(document: RegistryDocument, write = true): Promise<void> {
    this.db.data = document;
    if (write) await this.db.write();
  }

  /** Applies `change` to a copy of the document and writes it; memory changes only if the write succeeds. */
  async commit(change: (document: RegistryDocument) => void): Promise<void> {
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

  /** Moves the active pointer, and sets or clears the hold with it when `hold` is given (one durable write). */
  setActive(id: string | null, hold?: HoldState | null): Promise<void> {
    return this.commit((document) => {
      document.activeId = id;
      if (hold !== undefined) document.hold = hold;
    });
  }

  /** Renames a damaged `versions.json` aside; returns its new name. */
  setAside(): Promise<string> {
    return setAside(this.file.file);
  }
}

/** A document without versions. */
export function emptyDocument(): RegistryDocument {
  return { format: "pattern-quality-versions", formatVersion: 1, nextNumber: 1, activeId: null, versions: [] };
}

/** Checks the shape of a parsed `versions.json`; throws with the reason when it is not a registry document. */
export function checkDocument(value: unknown): RegistryDocument {
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
