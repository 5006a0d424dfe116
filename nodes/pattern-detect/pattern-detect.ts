import { InvalidInputError } from "../../src/errors";
import type { HaConnectionStatus } from "../../src/ha/connection";
import { HomeAssistantError } from "../../src/ha/errors";
import { type FinderRun, RoutineFinder } from "../../src/ha/routine-finder";
import { MINING_SPEC } from "../../src/settings/spec";
import { notConfiguredRing } from "../pattern-quality-ha/status";
import { asError } from "../shared/errors";
import { type FormSpec, formValue } from "../shared/form";
import { findHaNode, withConnectionStatus } from "../shared/home-assistant";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeMessage, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";
import { errorStatus } from "../shared/status";

interface PatternDetectDefinition extends NodeDefinition {
  /** The `pattern-quality-ha` connection whose logbook is mined. */
  ha?: string;
  [setting: string]: unknown;
}

/** The node's form fields: the mining settings a household may want to change. */
export const PATTERN_DETECT_FORM = {
  lookbackDays: { setting: MINING_SPEC.lookbackDays },
  dailyAt: { setting: MINING_SPEC.dailyAt },
  domains: { setting: MINING_SPEC.domains },
  includeEntities: { setting: MINING_SPEC.includeEntities },
  excludeEntities: { setting: MINING_SPEC.excludeEntities },
  excludePeople: { setting: MINING_SPEC.excludePeople },
  minDays: { setting: MINING_SPEC.minDays },
  timeWindowMinutes: { setting: MINING_SPEC.timeWindowMinutes },
  sequenceWindowSeconds: { setting: MINING_SPEC.sequenceWindowSeconds },
} as const satisfies FormSpec;

/** The mining settings a saved form gives (blank fields take the defaults). */
export function miningSettings(definition: Record<string, unknown>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(PATTERN_DETECT_FORM)) {
    const value = formValue(definition[key], field.setting, `pattern-detect.${key}`);
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

/** Milliseconds from `now` to the next local "HH:MM" (tomorrow's when today's has passed). */
export function untilNext(dailyAt: string, now: Date = new Date()): number {
  const [hours, minutes] = dailyAt.split(":").map(Number) as [number, number];
  const next = new Date(now);
  next.setHours(hours, minutes, 0, 0);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next.getTime() - now.getTime();
}

/** "9 routines · 28 days · next 03:00", the status after a run. */
function runStatus(run: FinderRun, dailyAt: string): NodeStatus {
  if (run.notice !== undefined) {
    return { fill: "yellow", shape: "dot", text: `no routines yet · ${run.stats.historyDays} days` };
  }
  const count = run.patterns.length;
  return {
    fill: "green",
    shape: "dot",
    text: `${count} ${count === 1 ? "routine" : "routines"} · ${run.stats.historyDays} days · next ${dailyAt}`,
  };
}

/**
 * Registers `pattern-detect`: finds the household's routines in Home Assistant's logbook after
 * deploy, every day at the set time and on any input message, and sends them as pattern objects
 * (straight into pattern-score). Mining runs in a worker thread.
 */
export default function register(RED: NodeRedApi): void {
  function PatternDetect(this: RuntimeNode, definition: PatternDetectDefinition) {
    RED.nodes.createNode(this, definition);
    const haNode = findHaNode(RED, definition.ha);
    let own: NodeStatus = { fill: "grey", shape: "ring", text: "waiting for HA" };
    const show = (status: NodeStatus) => {
      own = status;
      this.status(withConnectionStatus(status, haNode));
    };

    let finder: RoutineFinder | null = null;
    let configError: Error | null = null;
    let dailyAt = MINING_SPEC.dailyAt.default;
    try {
      if (haNode === null) {
        throw new InvalidInputError(
          "pattern-detect.ha",
          "no Home Assistant connection chosen: open the node and choose one",
        );
      }
      const settings = miningSettings(definition);
      finder = haNode.connection === null ? null : new RoutineFinder(haNode.connection, settings);
      dailyAt = finder?.options.dailyAt ?? dailyAt;
    } catch (error) {
      configError = asError(error);
    }
    if (configError !== null) {
      // Said once in the log; every message then ends with it (done(err)), for a Catch node.
      this.warn(configError.message);
      this.status(errorStatus(configError));
    } else if (haNode?.connection === null) {
      this.status({ ...notConfiguredRing });
    }

    const said = new Set<string>();
    const sayOnce = (text: string) => {
      if (said.has(text)) return;
      said.add(text);
      this.warn(text);
    };

    let closed = false;
    const mine = async (): Promise<NodeMessage> => {
      if (configError !== null) throw configError;
      if (finder === null || haNode?.connection === null)
        throw haNode?.configError ?? new Error("Home Assistant connection not configured");
      show({ fill: "blue", shape: "ring", text: "mining…" });
      try {
        const run = await finder.run();
        for (const problem of run.problems) sayOnce(problem);
        show(runStatus(run, dailyAt));
        const mining = {
          at: run.at.toISOString(),
          notice: run.notice ?? null,
          stats: run.stats,
          daysRead: run.daysRead,
          entriesRead: run.entriesRead,
          problems: run.problems,
        };
        return { topic: "routines", payload: run.patterns, mining };
      } catch (error) {
        if (error instanceof HomeAssistantError && error.haCode === "unknown_command") {
          sayOnce(error.message);
          show({ fill: "red", shape: "ring", text: "no logbook in HA" });
        } else {
          show(errorStatus(error));
        }
        throw error;
      }
    };

    // After deploy (once connected) and every day at the set time; a failed run waits for the next.
    let timer: NodeJS.Timeout | undefined;
    const schedule = () => {
      clearTimeout(timer);
      if (closed) return;
      timer = setTimeout(() => {
        void runAndSend().finally(schedule);
      }, untilNext(dailyAt));
    };
    const runAndSend = async () => {
      try {
        const msg = await mine();
        if (!closed) this.send(msg);
      } catch (error) {
        if (!(error instanceof HomeAssistantError && error.haCode === "unknown_command")) {
          this.error(`mining the logbook failed: ${asError(error).message}`);
        }
      }
    };

    const connection = haNode?.connection ?? null;
    let ranAfterDeploy = false;
    const onStatus = (status: HaConnectionStatus) => {
      this.status(withConnectionStatus(own, haNode));
      if (status.state === "connected" && !ranAfterDeploy && finder !== null) {
        ranAfterDeploy = true;
        void runAndSend();
      }
    };
    if (connection !== null && configError === null && haNode !== null) {
      haNode.register(this);
      connection.on("status", onStatus);
      if (connection.connected) onStatus(connection.status);
      schedule();
    }

    this.on("input", (msg, send, done) => {
      mine()
        .then((out) => {
          send({ ...msg, ...out });
          done();
        })
        .catch((error: unknown) => done(asError(error)));
    });

    this.on("close", (_removed, done) => {
      closed = true;
      clearTimeout(timer);
      connection?.off("status", onStatus);
      if (haNode !== null) haNode.deregister(this);
      void (finder?.close() ?? Promise.resolve()).finally(() => done());
    });
  }

  registerWithNodeCheck(RED, "pattern-detect", PatternDetect);
}
