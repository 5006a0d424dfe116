import { FeedbackLog } from "../feedback/log";
import { PatternCache } from "../feedback/pattern-cache";
import { standardPatternSchema } from "../features/pattern-features";
import { FeatureSchema } from "../features/schema";
import { PatternLearner } from "../learning/learner";
import { Trainer } from "../learning/trainer";
import { compareTrees } from "../learning/tree-diff";
import { ensureDirectory } from "../store/files";
import { StoreLock } from "../store/lock";
import { VersionRegistry } from "../versions/registry";
import type { ResolvedSettings } from "./settings";

/** The parts a model runs on: its store directory's lock, files and registry, and the training worker. */
export interface ModelStore {
  lock: StoreLock;
  log: FeedbackLog;
  cache: PatternCache;
  registry: VersionRegistry;
  trainer: Trainer;
  /** The schema the settings name (null when it is inferred from the first feedback). */
  schema: FeatureSchema | null;
}

/**
 * Opens the store directory of `settings` (made on first use), taking its lock; a part that
 * fails to open closes the ones opened before it, so nothing stays locked.
 */
export async function openModelStore(settings: ResolvedSettings): Promise<ModelStore> {
  const dir = settings.storeDir;
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    // A fresh install has no store yet: the default directory is made on first open.
    await ensureDirectory(dir);
    const lock = await StoreLock.acquire(dir, "pattern-model");
    opened.push({ close: () => lock.release() });
    const log = await FeedbackLog.open(dir, { retention: settings.retention.feedback });
    opened.push(log);
    const cache = await PatternCache.open(dir);
    opened.push(cache);
    const registry = await VersionRegistry.open(dir, {
      retention: settings.retention.versions,
      validateModel: (json: unknown) => void PatternLearner.fromJSON(json),
      compareModels: compareTrees,
    });
    opened.push(registry);
    const trainer = new Trainer();
    opened.push(trainer);
    // Forest parameters are checked now, so a misconfigured node fails on open with the field named.
    const schema = configuredSchema(settings);
    if (schema) PatternLearner.create(schema, settings.forest);
    return { lock, log, cache, registry, trainer, schema };
  } catch (error) {
    await closeAll(opened.reverse());
    throw error;
  }
}

/** Closes the worker, the files and the registry, then releases the lock; throws the first error. */
export async function closeModelStore(store: ModelStore): Promise<void> {
  const { trainer, cache, log, registry, lock } = store;
  const errors = await closeAll([trainer, cache, log, registry, { close: () => lock.release() }]);
  if (errors.length > 0) throw errors[0];
}

async function closeAll(parts: ReadonlyArray<{ close(): Promise<void> }>): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const part of parts) await part.close().catch((error: unknown) => errors.push(error));
  return errors;
}

function configuredSchema(settings: ResolvedSettings): FeatureSchema | null {
  switch (settings.schema.kind) {
    case "standard":
      return standardPatternSchema;
    case "names":
      return new FeatureSchema(settings.schema.names, "settings.schema.names");
    default:
      return null;
  }
}
