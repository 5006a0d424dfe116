import { PatternQualityError } from "../../src/errors";
import type { PatternModel } from "../../src/model/pattern-model";
import { asError } from "./errors";
import type { NodeMessage, NodeRedApi, NodeStatus, RuntimeNode, SendFunction } from "./red";
import { errorStatus, fitStatus, missingModelStatus, openingStatus } from "./status";

/** The pattern-model configuration node as the other nodes of this package see it. */
export interface PatternModelNode extends RuntimeNode {
  /** Resolves to the open model; rejects with the reason it could not be opened. */
  model(): Promise<PatternModel>;
  /** The open model, or null while opening, after a failure, or once closed. */
  readonly current: PatternModel | null;
}

/** Raised when a node has no (or a deleted) pattern-model configuration to work with. */
export class MissingModelError extends PatternQualityError {
  constructor(nodeType: string) {
    super(
      "missing-model",
      `this ${nodeType} node has no pattern model: open it, choose or add a "pattern-model" configuration, and deploy`,
    );
  }
}

/** The pattern-model configuration node with this id, or null when there is none. */
export function findModelNode(RED: NodeRedApi, id: unknown): PatternModelNode | null {
  if (typeof id !== "string" || id === "") return null;
  const node = RED.nodes.getNode(id) as Partial<PatternModelNode> | null;
  return node && node.type === "pattern-model" && typeof node.model === "function" ? (node as PatternModelNode) : null;
}

/** The open model behind a configuration node, or a MissingModelError naming the node type. */
export function openModel(modelNode: PatternModelNode | null, nodeType: string): Promise<PatternModel> {
  return modelNode ? modelNode.model() : Promise.reject(new MissingModelError(nodeType));
}

/** Listeners for the model's events (update, activated, alert…), keyed by event name; each gets the model first. */
// `never[]`: each event has its own payload type, which the listener names.
export type ModelListeners = Record<string, (model: PatternModel, ...args: never[]) => void>;

/** What one flow node does with its pattern model; bindModel does the rest of the lifecycle. */
export interface ModelNodeBehaviour {
  /** The node type, named in the "no pattern model" error. */
  type: string;
  /** The id of the chosen pattern-model configuration (the form's `model` field). */
  modelId: unknown;
  /** A problem in the node's own configuration: a red ring on deploy, and every message refused with it. */
  configError?: unknown;
  /** Once the model is open: show what the node is ready to do. */
  opened?(model: PatternModel): void;
  /** Model events the node follows while deployed: attached once the model is open, removed on close. */
  listeners?: ModelListeners;
  /** One message: message in → core call → message out. Resolving means handled; done() follows. */
  input(model: PatternModel, msg: NodeMessage, send: SendFunction): Promise<void> | void;
  /** Releases what the node holds besides the model (a Home Assistant registration, a subscription). */
  close?(): Promise<void> | void;
}

/** A flow node's hold on its pattern model. */
export interface ModelBinding {
  /** The open model, or null before it opens, after a failure, or when none is configured. */
  readonly current: PatternModel | null;
  /** Resolves to the open model; rejects with MissingModelError or the reason it could not open. */
  model(): Promise<PatternModel>;
}

/**
 * The lifecycle the model nodes share: open the chosen model with a status ("opening…", then the
 * node's own, or a red ring naming why not), follow its events, turn every input message into
 * exactly one `done()` or `done(err)` (with a red ring), and let go of it all on close.
 */
export function bindModel(RED: NodeRedApi, node: RuntimeNode, behaviour: ModelNodeBehaviour): ModelBinding {
  const modelNode = findModelNode(RED, behaviour.modelId);
  let current: PatternModel | null = null;
  // Bound to the model once it is open, so that close removes exactly these.
  const attached: [string, (...args: unknown[]) => void][] = [];
  let closed = false;
  const model = () => openModel(modelNode, behaviour.type);

  if (!modelNode) {
    node.status(missingModelStatus);
  } else if (behaviour.configError) {
    node.status(errorStatus(behaviour.configError));
  } else {
    node.status(openingStatus);
    modelNode.model().then(
      (opened) => {
        // Closed (redeployed) while the store was opening: follow nothing.
        if (closed) return;
        current = opened;
        for (const [event, listener] of Object.entries(behaviour.listeners ?? {})) {
          const bound = (...args: unknown[]) => listener(opened, ...(args as never[]));
          attached.push([event, bound]);
          opened.on(event, bound);
        }
        behaviour.opened?.(opened);
        // What was set aside is in the log (the pattern-model node writes it): the status points there.
        if (opened.openAlerts.some((alert) => alert.type === "store-error")) node.status(storeStatus("store repaired"));
        const onAlert = (alert: { type: string; severity: string }) => {
          if (alert.type === "store-error" && alert.severity === "error")
            node.status(storeStatus("store error", "red"));
        };
        attached.push(["alert", onAlert as (...args: unknown[]) => void]);
        opened.on("alert", onAlert);
      },
      (error: unknown) => node.status(errorStatus(error)),
    );
  }

  node.on("input", (msg, send, done) => {
    model()
      .then(async (opened) => {
        if (behaviour.configError) throw behaviour.configError;
        await behaviour.input(opened, msg, send);
        done();
      })
      .catch((error: unknown) => {
        node.status(errorStatus(error));
        done(asError(error));
      });
  });

  node.on("close", (_removed, done) => {
    closed = true;
    for (const [event, listener] of attached) current?.off(event, listener);
    Promise.resolve()
      .then(() => behaviour.close?.())
      .catch(() => undefined)
      .finally(() => done());
  });

  return {
    get current() {
      return current;
    },
    model,
  };
}

/** A yellow (or red) status pointing at the Node-RED log, where the store's problems are written. */
function storeStatus(what: string, fill: "yellow" | "red" = "yellow"): NodeStatus {
  return { fill, shape: "dot", text: fitStatus(`${what} (log)`) };
}
