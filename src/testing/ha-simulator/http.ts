import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimulatedActor } from "./actors";
import { automationConfigError } from "./automations";
import { isRecord, type SimulatedHome, type SimulatedState } from "./home";

/** What the control routes do beyond the home itself: the simulator's connection faults. */
export interface SimulatorControl {
  dropConnections(): void;
  restart(downMs?: number): Promise<void>;
  revokeToken(token: string): void;
  actAs(actor: SimulatedActor, entityId: string, state: string): SimulatedState;
  advanceClock(ms: number): void;
  setClock(date: Date): void;
  now(): Date;
}

/** A response: JSON unless it is one of aiohttp's plain-text errors (401, 405). */
type Reply = { status: number; body: unknown } | { status: number; text: string };

const NOT_FOUND: Reply = { status: 404, body: { message: "Not found" } };

/**
 * The simulator's HTTP side: the bit of Home Assistant's REST API this package's users reach
 * for (`/api/`, firing events, states, the automation config API), and the control routes
 * under `/sim/` for demos.
 */
export function handleHttp(
  home: SimulatedHome,
  control: SimulatorControl,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname;
  const answer = path.startsWith("/sim/") ? handleControl(home, control, req, path, url) : handleApi(home, req, path);
  answer.then(
    (reply) => send(res, reply),
    (err: Error) => send(res, { status: 400, body: { message: err.message } }),
  );
}

async function handleApi(home: SimulatedHome, req: IncomingMessage, path: string): Promise<Reply> {
  if (!path.startsWith("/api/")) return NOT_FOUND;
  const auth = req.headers.authorization ?? "";
  const user = auth.startsWith("Bearer ") ? home.tokens.get(auth.slice(7)) : undefined;
  if (user === undefined) return { status: 401, text: "401: Unauthorized" };
  if (req.method === "GET" && path === "/api/") return { status: 200, body: { message: "API running." } };
  const fire = /^\/api\/events\/([^/]+)$/.exec(path);
  if (req.method === "POST" && fire !== null) {
    if (!user.admin) return { status: 401, body: { message: "Unauthorized" } };
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return { status: 400, body: { message: "Event data should be valid JSON." } };
    }
    if (body !== undefined && !isRecord(body))
      return { status: 400, body: { message: "Event data should be a JSON object" } };
    const type = decodeURIComponent(fire[1]!);
    home.fireEvent(type, (body as Record<string, unknown>) ?? {}, { userId: user.userId });
    return { status: 200, body: { message: `Event ${type} fired.` } };
  }
  if (req.method === "GET" && path === "/api/states") return { status: 200, body: [...home.states.values()] };
  const automation = /^\/api\/config\/automation\/config\/([^/]+)$/.exec(path);
  if (automation !== null) return automationConfig(home, user.admin, req, decodeURIComponent(automation[1]!));
  return NOT_FOUND;
}

/**
 * Home Assistant's automation config view (components/config/automation.py on view.py's
 * EditIdBasedConfigView): admin only (`require_admin`: a plain 401), GET 404 and DELETE 400
 * "Resource not found" for an unknown id, 400 "Invalid JSON specified" and "Message malformed: …".
 */
async function automationConfig(home: SimulatedHome, admin: boolean, req: IncomingMessage, id: string): Promise<Reply> {
  if (req.method !== "GET" && req.method !== "POST" && req.method !== "DELETE")
    return { status: 405, text: "405: Method Not Allowed" };
  if (!admin) return { status: 401, text: "401: Unauthorized" };
  if (req.method === "GET") {
    const config = home.automations.get(id);
    return config === undefined
      ? { status: 404, body: { message: "Resource not found" } }
      : { status: 200, body: config };
  }
  if (req.method === "DELETE") {
    if (!home.automations.delete(id)) return { status: 400, body: { message: "Resource not found" } };
    return { status: 200, body: { result: "ok" } };
  }
  let body: unknown;
  try {
    body = await readJson(req);
  } catch {
    return { status: 400, body: { message: "Invalid JSON specified" } };
  }
  if (body === undefined) return { status: 400, body: { message: "Invalid JSON specified" } };
  const error = automationConfigError(body);
  if (error !== null) return { status: 400, body: { message: `Message malformed: ${error}` } };
  home.automations.save(id, body as Record<string, unknown>);
  return { status: 200, body: { result: "ok" } };
}

/** Unauthenticated control routes for demos (the simulator binds to 127.0.0.1 by default). */
async function handleControl(
  home: SimulatedHome,
  control: SimulatorControl,
  req: IncomingMessage,
  path: string,
  url: URL,
): Promise<Reply> {
  const body = req.method === "POST" ? await readJson(req) : undefined;
  const b = isRecord(body) ? body : {};
  if (req.method === "GET" && path === "/sim/service-calls") return { status: 200, body: home.serviceCalls };
  if (req.method === "POST" && path.startsWith("/sim/events/")) {
    const type = decodeURIComponent(path.slice("/sim/events/".length));
    const data = isRecord(b.data) ? b.data : {};
    const event = home.fireEvent(type, data, {
      origin: b.origin === "REMOTE" ? "REMOTE" : "LOCAL",
      userId: typeof b.user_id === "string" ? b.user_id : null,
    });
    return { status: 200, body: event };
  }
  if (req.method === "POST" && path.startsWith("/sim/states/")) {
    const entityId = decodeURIComponent(path.slice("/sim/states/".length));
    if (typeof b.state !== "string") return { status: 400, body: { message: "state: expected a text" } };
    return { status: 200, body: home.setState(entityId, b.state, isRecord(b.attributes) ? b.attributes : {}) };
  }
  if (req.method === "POST" && path.startsWith("/sim/act/")) {
    const entityId = decodeURIComponent(path.slice("/sim/act/".length));
    const actor = actorOf(b);
    if (typeof b.state !== "string" || actor === undefined)
      return {
        status: 400,
        body: { message: 'expected {"state", "by": wall|user|voice|automation|script, "user_id"|"entity_id"}' },
      };
    return { status: 200, body: control.actAs(actor, entityId, b.state) };
  }
  if (req.method === "POST" && path === "/sim/clock") {
    if (typeof b.advance_ms === "number") control.advanceClock(b.advance_ms);
    else if (typeof b.set === "string" && !Number.isNaN(Date.parse(b.set))) control.setClock(new Date(b.set));
    else return { status: 400, body: { message: 'expected {"advance_ms": <ms>} or {"set": "<ISO time>"}' } };
    return { status: 200, body: { now: control.now().toISOString() } };
  }
  if (req.method === "POST" && path === "/sim/drop") {
    control.dropConnections();
    return { status: 200, body: { message: "Connections dropped." } };
  }
  if (req.method === "POST" && path === "/sim/restart") {
    void control.restart(Number(url.searchParams.get("ms") ?? 2000));
    return { status: 200, body: { message: "Restarting." } };
  }
  if (req.method === "POST" && path === "/sim/revoke") {
    if (typeof b.token !== "string") return { status: 400, body: { message: "token: expected a text" } };
    control.revokeToken(b.token);
    return { status: 200, body: { message: "Token revoked." } };
  }
  return NOT_FOUND;
}

/** The actor a control request names, or undefined. */
function actorOf(b: Record<string, unknown>): SimulatedActor | undefined {
  if (b.by === "wall" || b.by === "voice") return { by: b.by };
  if (b.by === "user" && typeof b.user_id === "string") return { by: "user", userId: b.user_id };
  if ((b.by === "automation" || b.by === "script") && typeof b.entity_id === "string")
    return { by: b.by, entityId: b.entity_id };
  return undefined;
}

function send(res: ServerResponse, reply: Reply): void {
  if ("text" in reply) {
    res.writeHead(reply.status, { "content-type": "text/plain" });
    res.end(reply.text);
    return;
  }
  res.writeHead(reply.status, { "content-type": "application/json" });
  res.end(JSON.stringify(reply.body));
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", reject);
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      if (text.trim() === "") return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
  });
}
