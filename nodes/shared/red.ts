// The small part of Node-RED's runtime API these nodes use, typed here so the nodes compile
// without a dependency on Node-RED's own (untyped) packages.

/** A message travelling through a flow. */
export interface NodeMessage {
  payload?: unknown;
  topic?: string;
  _msgid?: string;
  [key: string]: unknown;
}

/** A node's status under it in the editor; text stays under 20 characters. */
export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** `send` of an input handler: one message, or one per output. */
export type SendFunction = (msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>) => void;
/** `done` of an input handler: called once per message, with the error if it failed. */
export type DoneFunction = (err?: Error) => void;

/** A node instance inside the runtime (what `RED.nodes.createNode` turns `this` into). */
export interface RuntimeNode {
  id: string;
  type: string;
  name?: string;
  on(event: "input", listener: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void): void;
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | null | Array<NodeMessage | NodeMessage[] | null>): void;
  status(status: NodeStatus | Record<string, never>): void;
  error(error: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
}

/** The node definition the editor saved: the node's form fields plus id, type, name. */
export interface NodeDefinition {
  id: string;
  type: string;
  name?: string;
  [field: string]: unknown;
}

/** An admin HTTP request, as the routes read it. */
export interface HttpRequest {
  params: Record<string, string>;
  body?: unknown;
  query?: Record<string, unknown>;
  user?: { username?: string };
}

/** An admin HTTP response. */
export interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/** An admin route handler (Express style). */
export type HttpHandler = (req: HttpRequest, res: HttpResponse, next: () => void) => void;

/** Node-RED's admin router (`RED.httpAdmin`). */
export interface HttpRouter {
  get(path: string, ...handlers: HttpHandler[]): void;
  post(path: string, ...handlers: HttpHandler[]): void;
}

/** The `RED` object Node-RED hands to a node module. */
export interface NodeRedApi {
  nodes: {
    createNode(node: object, definition: NodeDefinition): void;
    registerType(type: string, nodeConstructor: (...args: never) => unknown, options?: object): void;
    getNode(id: string): unknown;
  };
  settings: { userDir?: string; [key: string]: unknown };
  httpAdmin: HttpRouter;
  auth: { needsPermission(permission: string): HttpHandler };
  log: { info(message: unknown): void; warn(message: unknown): void; error(message: unknown): void };
}
