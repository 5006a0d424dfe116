import { PatternModel } from "../../src/model/pattern-model";
import { adminRoutes } from "./admin-api";
import { settingsFromDefinition, type PatternModelDefinition } from "./settings";
import type { PatternModelNode } from "../shared/model-node";
import type { NodeRedApi } from "../shared/red";

export type { PatternModelNode } from "../shared/model-node";

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
      opening = PatternModel.open(settings).then((model) => {
        this.current = model;
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

  RED.nodes.registerType("pattern-model", PatternModelConfig);
  adminRoutes(RED);
}
