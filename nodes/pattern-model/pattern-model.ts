import type { PatternModel } from "../../src/model/pattern-model";
import { adminRoutes } from "./admin-api";
import { settingsFromDefinition, type PatternModelDefinition } from "./settings";
import type { PatternModelNode } from "../shared/model-node";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeRedApi } from "../shared/red";

export type { PatternModelNode } from "../shared/model-node";

/** The core's model, loaded once, on first use. */
const loadCore = () => import("../../src/model/pattern-model.js");

/** Registers the `pattern-model` configuration node and its admin HTTP API. */
export default function register(RED: NodeRedApi): void {
  function PatternModelConfig(
    this: PatternModelNode & { current: PatternModel | null },
    definition: PatternModelDefinition,
  ) {
    RED.nodes.createNode(this, definition);
    this.current = null;
    let opening: Promise<PatternModel>;
    try {
      const settings = settingsFromDefinition(definition, RED.settings.userDir);
      // Loaded here, not at the top: on a Node.js too old for lowdb this constructor never runs.
      opening = loadCore()
        .then(({ PatternModel }) => PatternModel.open(settings))
        .then((model) => {
          this.current = model;
          // Store damage (found on open, or a disk that fails later) reaches the Node-RED log
          // here, once per model, whichever nodes use it; their status shows it too (bindModel).
          model.on("alert", (alert: { type: string; severity: string; message: string }) => {
            if (alert.type !== "store-error") return;
            if (alert.severity === "error") this.error(`store: ${alert.message}`);
            else this.warn(`store: ${alert.message}`);
          });
          return model;
        });
    } catch (error) {
      opening = Promise.reject(error);
    }
    // The failure reaches every node that asks for the model; log it here once, too.
    opening.catch((error: unknown) => this.error(`cannot open the pattern model: ${(error as Error).message}`));
    this.model = () => opening;

    this.on("close", (_removed: boolean, done: () => void) => {
      opening
        .then(
          (model) =>
            model
              .close()
              .catch((error: unknown) =>
                this.warn(`the pattern model's store did not close cleanly: ${(error as Error).message}`),
              ),
          // Never opened: nothing to close (the reason was logged when it failed).
          () => undefined,
        )
        .finally(() => {
          this.current = null;
          done();
        });
    });
  }

  registerWithNodeCheck(RED, "pattern-model", PatternModelConfig);
  adminRoutes(RED);
}
