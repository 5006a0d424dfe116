// Turning an approved suggestion into a real automation through Home Assistant's automation
// config API (REST; there is no websocket command): `POST /api/config/automation/config/<id>`
// with `{alias, description, triggers, conditions, actions, mode}`, admin only. The id comes
// from the suggestion's stable id, so approving twice (or the same routine mined again) updates
// the one automation instead of making another. One attempt, no retry loop: what Home Assistant
// says is the outcome, and a person acts on it.
import { describeValue, InvalidInputError } from "../errors";
import { checkId } from "../validate";
import type { RestAnswer } from "./connection";
import { HomeAssistantError } from "./errors";

/** What creating needs of a connection: its REST API and its websocket commands. */
export interface AutomationApi {
  rest(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<RestAnswer>;
  command(message: { type: string; [key: string]: unknown }, what?: string): Promise<unknown>;
}

/** What Home Assistant did with the automation. */
export interface AutomationResult {
  outcome: "created" | "updated";
  automationId: string;
  /** The automation's entity, from the entity registry by its unique id; null when not (yet) found. */
  entityId: string | null;
  alias: string;
}

/** The automation id a suggestion's automation gets: its pattern id, kept to letters, digits, _ and -. */
export function automationIdFor(patternId: string): string {
  return `pattern_quality_${patternId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** The config sent: the proposed automation, its description saying which suggestion it came from. */
export function automationBody(patternId: string, automation: unknown): Record<string, unknown> {
  if (typeof automation !== "object" || automation === null || Array.isArray(automation)) {
    throw new InvalidInputError(
      "automation",
      `expected the proposed automation {alias, triggers, conditions, actions, mode}, got ${describeValue(automation)}`,
    );
  }
  const { id: _id, ...config } = automation as Record<string, unknown>;
  const marker = `suggestion ${patternId}`;
  const description = typeof config.description === "string" ? config.description : "";
  return {
    ...config,
    alias: typeof config.alias === "string" && config.alias.trim() !== "" ? config.alias : `Suggestion ${patternId}`,
    description: description.includes(patternId)
      ? description
      : `${description}${description ? " " : ""}(from pattern-quality ${marker})`,
  };
}

/**
 * Creates (or updates) the automation of a suggestion in Home Assistant. Rejects with a
 * HomeAssistantError: `automation-id-in-use` when the id holds an automation that did not come
 * from this suggestion (left untouched), `ha-refused` with Home Assistant's own message for an
 * invalid config (400 "Message malformed: …"), `ha-unauthorized` for a token without admin
 * rights (401/403), or the connection's own codes when it cannot be reached.
 */
export async function createAutomation(
  api: AutomationApi,
  patternIdInput: string,
  automation: unknown,
): Promise<AutomationResult> {
  const patternId = checkId(patternIdInput, "patternId");
  const body = automationBody(patternId, automation);
  const automationId = automationIdFor(patternId);
  const path = `config/automation/config/${encodeURIComponent(automationId)}`;
  const existing = await api.rest("GET", path);
  if (existing.status === 200) {
    const stored = existing.body as Record<string, unknown> | null;
    const description = typeof stored?.description === "string" ? stored.description : "";
    if (!description.includes(patternId)) {
      throw new HomeAssistantError(
        "automation-id-in-use",
        `Home Assistant already has an automation with the id ${automationId} ("${String(stored?.alias ?? "")}") ` +
          `that did not come from suggestion ${patternId}: it was left as it is and nothing was created.`,
      );
    }
  } else if (existing.status !== 404) {
    throw refusal(existing, `read automation ${automationId}`);
  }
  const saved = await api.rest("POST", path, body);
  if (saved.status !== 200) throw refusal(saved, `create automation ${automationId}`);
  return {
    outcome: existing.status === 200 ? "updated" : "created",
    automationId,
    entityId: await automationEntityId(api, automationId),
    alias: body.alias as string,
  };
}

/**
 * The entity id of an automation, found in the entity registry by its unique id (the automation's
 * id); null when it is not there or the registry cannot be read (a non-admin token).
 */
export async function automationEntityId(
  api: Pick<AutomationApi, "command">,
  automationId: string,
): Promise<string | null> {
  try {
    const entities = await api.command({ type: "config/entity_registry/list" }, "the entity registry");
    if (!Array.isArray(entities)) return null;
    for (const entry of entities as Record<string, unknown>[]) {
      if (entry?.platform === "automation" && entry.unique_id === automationId && typeof entry.entity_id === "string")
        return entry.entity_id;
    }
  } catch {
    // The automation exists all the same; implicit feedback looks it up again later.
  }
  return null;
}

/** Home Assistant's refusal as an error a person can act on, with HA's own message. */
function refusal(answer: RestAnswer, what: string): HomeAssistantError {
  const said =
    typeof answer.body === "object" &&
    answer.body !== null &&
    typeof (answer.body as { message?: unknown }).message === "string"
      ? (answer.body as { message: string }).message
      : String(answer.body ?? "").slice(0, 200);
  if (answer.status === 401 || answer.status === 403) {
    return new HomeAssistantError(
      "ha-unauthorized",
      `Home Assistant refused to ${what} (${answer.status} ${said || "Unauthorized"}): creating automations needs an ` +
        "admin user's token (or the Home Assistant app).",
    );
  }
  return new HomeAssistantError("ha-refused", `Home Assistant refused to ${what} (${answer.status}): ${said}`);
}
