import type { Cause } from "./cause";

/** One state change kept from the logbook, with its local time worked out once. */
export interface ChangeRecord {
  /** Epoch milliseconds. */
  ms: number;
  entityId: string;
  /** The state it went to ("activated" for scenes and buttons, whose state is a time). */
  to: string;
  cause: Cause;
  /** changeKey(entityId, to), made once. */
  key: string;
  /** Local day number and minute of the day. */
  day: number;
  minute: number;
}

/** The span of history looked at, in local days, and the moment of mining. */
export interface ObservedWindow {
  /** The first local day with history in the window. */
  firstDay: number;
  /** The local day of `nowMs`. */
  nowDay: number;
  /** Local minute of the day of `nowMs`. */
  nowMinute: number;
  startMs: number;
  nowMs: number;
}

/** Domains whose state is the time of the last activation: any change means "activated". */
export const ACTIVATED_DOMAINS: ReadonlySet<string> = new Set(["scene", "button", "input_button"]);

/** A key for an entity going to a state. */
export function changeKey(entityId: string, to: string): string {
  return `${entityId}\u0000${to}`;
}

/** The middle value of a non-empty list (sorted here). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The interquartile range of a non-empty list. */
export function interquartileRange(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))]!;
  return at(0.75) - at(0.25);
}

/** Appends to the list kept under `key`, starting it when missing. */
export function pushTo<K, V>(lists: Map<K, V[]>, key: K, value: V): void {
  const list = lists.get(key);
  if (list === undefined) lists.set(key, [value]);
  else list.push(value);
}
