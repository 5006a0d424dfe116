/**
 * What a faulty Home Assistant sends instead of its answer to a command. A faulted command is
 * not carried out (a faulted `subscribe_events` subscribes to nothing).
 * - `error`: a result with `success: false` and this error (default `unknown_error`), as HA
 *   answers when a handler raises;
 * - `malformed`: a result with neither `success` nor `error`;
 * - `not-json`: a text frame that is not JSON (e.g. a proxy's error page);
 * - `silence`: no answer at all.
 */
export type CommandFault =
  | { kind: "error"; code?: string; message?: string }
  | { kind: "malformed" }
  | { kind: "not-json" }
  | { kind: "silence" };

/** Which commands a fault hits, and how many of them. */
export interface FaultOptions {
  /** How many matching commands get the fault; by default every one, until the fault is cleared. */
  times?: number;
  /** Only commands whose fields have these values, e.g. `{ event_type: "pattern_feedback" }`. */
  where?: Record<string, unknown>;
}

interface InjectedFault {
  commandType: string;
  fault: CommandFault;
  remaining: number;
  where: Record<string, unknown>;
}

/** The faults injected into one simulator, matched against each command in order of injection. */
export class CommandFaults {
  private faults: InjectedFault[] = [];

  /** Adds a fault for commands of this type (`subscribe_events`, `get_states`, `ping`…). */
  inject(commandType: string, fault: CommandFault, options: FaultOptions = {}): void {
    const remaining = options.times ?? Number.POSITIVE_INFINITY;
    if (!(remaining >= 1)) throw new RangeError(`times: expected at least 1, got ${String(options.times)}`);
    this.faults.push({ commandType, fault, remaining, where: options.where ?? {} });
  }

  /** Removes the faults of one command type, or all of them. */
  clear(commandType?: string): void {
    this.faults = commandType === undefined ? [] : this.faults.filter((f) => f.commandType !== commandType);
  }

  /** The fault this command meets, used up by one; undefined when it is answered normally. */
  take(command: Record<string, unknown> & { type: string }): CommandFault | undefined {
    const index = this.faults.findIndex(
      (f) => f.commandType === command.type && Object.entries(f.where).every(([key, value]) => command[key] === value),
    );
    if (index === -1) return undefined;
    const injected = this.faults[index]!;
    if (--injected.remaining === 0) this.faults.splice(index, 1);
    return injected.fault;
  }
}
