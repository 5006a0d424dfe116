import { seconds } from "./connection-settings";
import { HomeAssistantError } from "./errors";

/** What Home Assistant's REST API answered: the HTTP status and the body (JSON parsed, else text). */
export interface RestAnswer {
  status: number;
  body: unknown;
}

/** Where a REST request goes and with what: the API's base URL, the token, the time limit (0: none). */
export interface RestTarget {
  base: string;
  token: string;
  timeoutMs: number;
}

/**
 * One request to Home Assistant's REST API; resolves to the status and the parsed body whatever
 * the status. Rejects with a HomeAssistantError only when Home Assistant cannot be reached or
 * does not answer in time; the token never appears in what it resolves or rejects with.
 */
export async function restRequest(
  target: RestTarget,
  method: "GET" | "POST" | "DELETE",
  path: string,
  body?: unknown,
): Promise<RestAnswer> {
  const url = `${target.base}/${path.replace(/^\//, "")}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: target.timeoutMs > 0 ? AbortSignal.timeout(target.timeoutMs) : undefined,
    });
  } catch (err) {
    const timedOut = (err as Error).name === "TimeoutError";
    throw new HomeAssistantError(
      timedOut ? "ha-timeout" : "ha-cannot-connect",
      timedOut
        ? `Home Assistant did not answer ${method} ${path} within ${seconds(target.timeoutMs)}.`
        : `Cannot reach Home Assistant's REST API at ${target.base} (${(err as Error).message}).`,
    );
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    // aiohttp answers 401 and 405 in plain text: kept as text.
  }
  return { status: response.status, body: parsed };
}
