import { promises as fs } from "node:fs";
import * as path from "node:path";
import {
  ensureDirectory,
  fsyncDirectory,
  removeTempFiles,
  setAside,
  sha256,
  storeWriteError,
  writeFileAtomic,
} from "../store/files";
import { modelFileText, type VersionEntry, type VersionMeta, versionNumber } from "./entry";

/** The directory of the model files in the store directory. */
export const MODELS_DIR = "models";
const MODEL_FILE = /^(v\d{4,9})\.json$/;

/** One immutable, hash-verified model file per version: `models/v0001.json`. */
export class ModelFiles {
  private readonly folder: string;

  constructor(directory: string) {
    this.folder = path.join(directory, MODELS_DIR);
  }

  /** The model file of version `id`. */
  path(id: string): string {
    return path.join(this.folder, `${id}.json`);
  }

  /** The file as problems name it: relative to the store directory. */
  name(id: string): string {
    return path.join(MODELS_DIR, `${id}.json`);
  }

  /** Creates the models directory and removes temp files of interrupted writes in it. */
  async prepare(): Promise<void> {
    await ensureDirectory(this.folder);
    await removeTempFiles(this.folder);
  }

  /** The version ids that have a model file, oldest first. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.folder);
    } catch {
      return [];
    }
    return names
      .map((name) => MODEL_FILE.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .sort((x, y) => versionNumber(x) - versionNumber(y));
  }

  /** Writes the model file of a new version atomically and returns its entry (not yet in the registry). */
  async write(meta: VersionMeta, model: unknown): Promise<VersionEntry> {
    const { text, digest } = modelFileText(meta, model);
    await writeFileAtomic(this.path(meta.id), text);
    return entryFor(meta, text, digest);
  }

  /** The text of a model file; throws the fs error when it cannot be read. */
  text(id: string): Promise<string> {
    return fs.readFile(this.path(id), "utf8");
  }

  /** The text of a model file, or null when it is missing. */
  async read(id: string): Promise<string | null> {
    try {
      return await this.text(id);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw storeWriteError(this.path(id), "read", error);
      return null;
    }
  }

  /** True when the entry's file can be read and matches its sha256; reports nothing. */
  async verifies(entry: VersionEntry): Promise<boolean> {
    try {
      return sha256(await this.text(entry.id)) === entry.sha256;
    } catch {
      return false;
    }
  }

  /** The size of a model file in bytes, or -1 when it is missing. */
  size(id: string): Promise<number> {
    return fs.stat(this.path(id)).then(
      (stat) => stat.size,
      () => -1,
    );
  }

  /** Renames a damaged model file aside; returns its new name. */
  setAside(id: string): Promise<string> {
    return setAside(this.path(id));
  }

  /** Removes a model file that no entry refers to (an unfinished save or delete). */
  async discard(id: string): Promise<void> {
    await fs.rm(this.path(id), { force: true });
  }

  /** Removes the model files of deleted versions, durably. */
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.discard(id);
    await fsyncDirectory(this.folder);
  }
}

/** The registry entry of a version whose model file holds `text` (unpinned). */
export function entryFor(meta: VersionMeta, text: string, digest: string): VersionEntry {
  return {
    ...meta,
    sha256: sha256(text),
    sizeBytes: Buffer.byteLength(text),
    digest,
    pinned: false,
    evaluation: null,
    live: null,
  };
}
