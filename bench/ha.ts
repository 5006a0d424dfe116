/**
 * The Home Assistant benchmark: a burst of household decisions fired in the simulated Home
 * Assistant within one second, through the websocket, the feedback source and the durable
 * feedback log. Every one must be stored exactly once; the figure is the latency from the event
 * being fired to the feedback being acknowledged (fsync'd), with "received as feedback" as the
 * baseline that shows what the disk adds.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Feedback } from "../src/feedback/feedback";
import { FeedbackLog } from "../src/feedback/log";
import { HomeAssistantConnection } from "../src/ha/connection";
import { HaFeedbackSource } from "../src/ha/feedback-source";
import { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import { markdownTable, type BenchOptions, type BenchResult, type BenchSection } from "./section";

const EVENTS = 1000;
const WINDOW_MS = 1000;
const TICKS = 50;

interface Burst {
  fired: number;
  received: number;
  stored: number;
  duplicates: number;
  lost: number;
  firingMs: number;
  receivedMs: number[];
  ackMs: number[];
}

async function burst(kind: "mobile_app_notification_action" | "pattern_feedback"): Promise<Burst> {
  const token = "bench-token";
  const sim = await HomeAssistantSimulator.start({ tokens: [token] });
  const dir = await mkdtemp(path.join(tmpdir(), "pattern-quality-ha-bench-"));
  const connection = new HomeAssistantConnection({ url: sim.url, token, pingIntervalMs: 0 });
  const log = await FeedbackLog.open(dir);
  try {
    await connection.connect();
    const source = new HaFeedbackSource(connection);
    await source.start();
    const firedAt = new Map<string, number>();
    const receivedMs: number[] = [];
    const ackMs: number[] = [];
    let stored = 0;
    let duplicates = 0;
    const appends: Promise<void>[] = [];
    source.on("feedback", (feedback: Feedback) => {
      const t0 = firedAt.get(feedback.id)!;
      receivedMs.push(performance.now() - t0);
      // One append per feedback, as it arrives; the log groups concurrent appends into one fsync.
      appends.push(
        log.append([feedback]).then((result) => {
          ackMs.push(performance.now() - t0);
          stored += result.added.length;
          duplicates += result.duplicates.length;
        }),
      );
    });
    const start = performance.now();
    for (let tick = 0; tick < TICKS; tick++) {
      const due = start + (tick * WINDOW_MS) / TICKS;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (let i = 0; i < EVENTS / TICKS; i++) {
        const n = tick * (EVENTS / TICKS) + i;
        const contextId = `bench-${kind}-${n}`;
        firedAt.set(contextId, performance.now());
        if (kind === "mobile_app_notification_action") {
          sim.fireEvent(
            kind,
            { action: `PATTERN_${n % 3 === 0 ? "REJECT" : "APPROVE"}_p${n}` },
            { origin: "REMOTE", contextId, userId: "bench-user" },
          );
        } else {
          sim.fireEvent(kind, { pattern_id: `p${n}`, decision: n % 3 === 0 ? "reject" : "approve" }, { contextId });
        }
      }
    }
    const firingMs = performance.now() - start;
    const deadline = performance.now() + 30_000;
    while (ackMs.length < EVENTS && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(appends);
    await source.stop();
    return {
      fired: EVENTS,
      received: receivedMs.length,
      stored,
      duplicates,
      lost: EVENTS - stored,
      firingMs,
      receivedMs,
      ackMs,
    };
  } finally {
    await connection.close();
    await log.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Time from dropped connections to the subscription being renewed, with the default 1 s first delay made 0. */
async function recoveries(times: number): Promise<number[]> {
  const token = "bench-token";
  const sim = await HomeAssistantSimulator.start({ tokens: [token] });
  const connection = new HomeAssistantConnection({ url: sim.url, token, pingIntervalMs: 0, reconnectDelayMs: 0 });
  try {
    await connection.connect();
    let renewed = 0;
    connection.on("subscribed", () => renewed++);
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    const results: number[] = [];
    for (let i = 0; i < times; i++) {
      const before = renewed;
      const start = performance.now();
      sim.dropConnections();
      while (renewed === before) await new Promise((r) => setTimeout(r, 1));
      results.push(performance.now() - start);
    }
    return results;
  } finally {
    await connection.close();
    await sim.stop();
  }
}

function quantile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ms = (x: number): number => Math.round(x * 100) / 100;

export const haSection: BenchSection = {
  name: "ha",
  async run(_options: BenchOptions): Promise<BenchResult> {
    const runs = {
      notificationAction: await burst("mobile_app_notification_action"),
      customEvent: await burst("pattern_feedback"),
    };
    const table: string[][] = [
      [
        "source",
        "fired",
        "stored",
        "lost",
        "twice",
        "received p50/p99 ms",
        "acknowledged p50/p95/p99/max ms",
        "fired within ms",
      ],
    ];
    const json: Record<string, unknown> = {};
    for (const [name, r] of Object.entries(runs)) {
      const summary = {
        fired: r.fired,
        received: r.received,
        stored: r.stored,
        lost: r.lost,
        duplicates: r.duplicates,
        firingMs: ms(r.firingMs),
        receivedMs: { p50: ms(quantile(r.receivedMs, 50)), p99: ms(quantile(r.receivedMs, 99)) },
        acknowledgedMs: {
          p50: ms(quantile(r.ackMs, 50)),
          p95: ms(quantile(r.ackMs, 95)),
          p99: ms(quantile(r.ackMs, 99)),
          max: ms(Math.max(...r.ackMs)),
        },
      };
      json[name] = summary;
      table.push([
        name,
        String(r.fired),
        String(r.stored),
        String(r.lost),
        String(r.duplicates),
        `${summary.receivedMs.p50} / ${summary.receivedMs.p99}`,
        `${summary.acknowledgedMs.p50} / ${summary.acknowledgedMs.p95} / ${summary.acknowledgedMs.p99} / ${summary.acknowledgedMs.max}`,
        String(summary.firingMs),
      ]);
    }
    const recovery = await recoveries(20);
    json.recoveryMs = {
      p50: ms(quantile(recovery, 50)),
      max: ms(Math.max(...recovery)),
      runs: recovery.length,
      note: "reconnectDelayMs 0; the default waits 1 s first",
    };
    table.push([
      "reconnect + resubscribe",
      "",
      "",
      "",
      "",
      "",
      `${ms(quantile(recovery, 50))} (p50) / ${ms(Math.max(...recovery))} (max)`,
      "",
    ]);
    const markdown = [
      "## Home Assistant: a burst of decisions",
      "",
      `${EVENTS} events fired in the simulated Home Assistant within one second (${TICKS} batches), received over the websocket by the feedback source and appended to the feedback log (acknowledged = fsync'd). "Received" is the baseline without the disk.`,
      "",
      ...markdownTable(table),
      "",
      `Reconnect + resubscribe after dropped connections (${recovery.length} runs, first retry delay 0 instead of the default 1 s): p50 ${ms(quantile(recovery, 50))} ms, max ${ms(Math.max(...recovery))} ms.`,
      "",
    ].join("\n");
    return { json: { ha: json }, table, markdown };
  },
};
