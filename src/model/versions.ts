import {
  type ActivationRecord,
  ownFigureDeltas,
  type VersionComparison,
  type VersionEntry,
  type VersionLive,
  type VersionRegistry,
} from "../versions/registry";

/**
 * A model's versions as people and flows see them: list, inspect, pin, delete, prune, compare,
 * export and import. Switching the live version (activate, rollback) is the model's own, since
 * it changes the live learner too.
 */
export class ModelVersions {
  constructor(
    private readonly registry: VersionRegistry,
    /** The live version's own figures as of now (the registry holds them as of the last write). */
    private readonly activeLive: () => { version: string; live: VersionLive } | null,
  ) {}

  /** All versions, oldest first, optionally filtered; the active one's live figures are current. */
  list(...filter: Parameters<VersionRegistry["list"]>): VersionEntry[] {
    const active = this.activeLive();
    return this.registry.list(...filter).map((entry) => withLive(entry, active));
  }

  /** One version; UnknownVersionError when there is none with this id. */
  get(id: string): VersionEntry {
    return withLive(this.registry.get(id), this.activeLive());
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

  /** Metric deltas, the versions' own figures, sizes and trees changed between two versions. */
  async compare(a: string, b: string): Promise<VersionComparison> {
    const comparison = await this.registry.compare(a, b);
    return { ...comparison, own: ownFigureDeltas(this.get(a), this.get(b)) };
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

/** `entry`, with the live version's current figures when it is that one (the registry's are as of its last write). */
function withLive(entry: VersionEntry, active: { version: string; live: VersionLive } | null): VersionEntry {
  return active && active.version === entry.id ? { ...entry, live: active.live } : entry;
}
