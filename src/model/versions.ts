import type { ActivationRecord, VersionComparison, VersionEntry, VersionRegistry } from "../versions/registry";

/**
 * A model's versions as people and flows see them: list, inspect, pin, delete, prune, compare,
 * export and import. Switching the live version (activate, rollback) is the model's own, since
 * it changes the live learner too.
 */
export class ModelVersions {
  constructor(private readonly registry: VersionRegistry) {}

  /** All versions, oldest first, optionally filtered. */
  list(...filter: Parameters<VersionRegistry["list"]>): VersionEntry[] {
    return this.registry.list(...filter);
  }

  /** One version; UnknownVersionError when there is none with this id. */
  get(id: string): VersionEntry {
    return this.registry.get(id);
  }

  /** The append-only log of activations: who switched what, when and why. */
  activations(): ActivationRecord[] {
    return this.registry.activations();
  }

  /** Keeps a version through pruning. */
  pin(id: string): Promise<VersionEntry> {
    return this.registry.pin(id);
  }

  /** Lets pruning remove a version again. */
  unpin(id: string): Promise<VersionEntry> {
    return this.registry.unpin(id);
  }

  /** Deletes a version (never the active or a pinned one). */
  delete(id: string): Promise<void> {
    return this.registry.delete(id);
  }

  /** Removes versions beyond the retention (keeps the newest, the pinned and the active). */
  prune(): Promise<{ deleted: string[] }> {
    return this.registry.prune();
  }

  /** Metric deltas, sizes and trees changed between two versions. */
  compare(a: string, b: string): Promise<VersionComparison> {
    return this.registry.compare(a, b);
  }

  /** One version as a single, self-verifying JSON text. */
  export(id: string): Promise<string> {
    return this.registry.export(id);
  }

  /** Adds an exported version (validated, inactive until activated). */
  import(text: string): Promise<VersionEntry> {
    return this.registry.import(text);
  }
}
