import type { CompareModels } from "./compare";
import type { VersionKind } from "./entry";

/** How to open a registry. */
export interface VersionRegistryOptions {
  /** Checks a model on load and import (e.g. the learner's fromJSON); throws when it is not a usable model. */
  validateModel?: (json: unknown) => void;
  /** Compares two models for compare() (e.g. the learner's compareTrees); without it, `trees` is null. */
  compareModels?: CompareModels;
  /** Versions kept by prune(), besides pinned and active ones (default 20). */
  retention?: number;
  /** Prune after every save (default true). */
  autoPrune?: boolean;
  /** Read without taking the writer lock or repairing anything (e.g. the CLI beside a running Node-RED). */
  readOnly?: boolean;
}

/** Which versions list() returns. */
export interface VersionFilter {
  kind?: VersionKind;
  pinned?: boolean;
  /** Only the newest `limit` versions. */
  limit?: number;
}
