/**
 * The speed half of the mining benchmark: CPU time of a mining run, what the reader asks Home
 * Assistant for while it backfills (seen on the wire, through a recording proxy in front of the
 * simulator), and the event-loop lag while mining.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { WebSocket, WebSocketServer } from "ws";
import type { SimChildRequest } from "./sim-child";

/** CPU milliseconds of each of `runs` calls of `work` (process.cpuUsage: other processes on the machine do not count). */
export function cpuRuns(runs: number, work: () => unknown): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    out.push((used.user + used.system) / 1000);
  }
  return out;
}

/** One `logbook/get_events` the reader sent. */
export interface LogbookRequest {
  startTime: string;
  endTime: string | undefined;
  /** Hours between start and end (an open end counts up to when the request was sent). */
  hours: number;
  entityIds: number;
}

/**
 * A websocket proxy in front of Home Assistant (or its simulator) that records the commands a
 * client sends: the benchmark reads the reader's requests as Home Assistant would get them.
 */
export class RecordingProxy {
  /** Every command sent by clients, in order. */
  readonly commands: Record<string, unknown>[] = [];

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {}

  /** Listens on 127.0.0.1 and forwards every websocket to `target` (a ws:// URL). */
  static async start(target: string): Promise<RecordingProxy> {
    const http = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ server: http });
    const proxy = new RecordingProxy(http, wss);
    wss.on("connection", (client) => {
      const upstream = new WebSocket(target);
      const pending: string[] = [];
      upstream.on("open", () => {
        for (const m of pending.splice(0)) upstream.send(m);
      });
      upstream.on("message", (data) => client.send(data.toString()));
      upstream.on("close", () => client.close());
      upstream.on("error", () => client.close());
      client.on("message", (data) => {
        const text = data.toString();
        try {
          const message = JSON.parse(text) as Record<string, unknown>;
          if (typeof message.type === "string" && message.type !== "auth")
            proxy.commands.push({ ...message, sentAt: Date.now() });
        } catch {
          // Not JSON: forwarded all the same, Home Assistant answers it.
        }
        if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
        else pending.push(text);
      });
      client.on("close", () => upstream.close());
      client.on("error", () => upstream.close());
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  /** The proxy's base URL (http://…), to give the client instead of Home Assistant's. */
  get url(): string {
    const address = this.http.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** The `logbook/get_events` commands seen so far. */
  logbookRequests(): LogbookRequest[] {
    return this.commands
      .filter((c) => c.type === "logbook/get_events")
      .map((c) => {
        const start = Date.parse(String(c.start_time));
        const end = typeof c.end_time === "string" ? Date.parse(c.end_time) : (c.sentAt as number);
        return {
          startTime: String(c.start_time),
          endTime: typeof c.end_time === "string" ? c.end_time : undefined,
          hours: (end - start) / 3_600_000,
          entityIds: Array.isArray(c.entity_ids) ? c.entity_ids.length : 0,
        };
      });
  }

  /** Closes the proxy and every connection through it. */
  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

/**
 * Event-loop delay p50, p99 and max (ms) while `work` runs, from a histogram sampling every
 * millisecond; how long the loop was busy (event-loop utilization: its own work, not time spent
 * waiting for a core); and the machine's 1-minute load average when it ended (on a shared
 * 2-core machine, other processes' load shows up as lag too).
 */
export async function eventLoopLag(work: () => Promise<unknown>): Promise<LagFigures> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  const utilization = performance.eventLoopUtilization();
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  const busy = performance.eventLoopUtilization(utilization);
  const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
  return {
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
    ms: Math.round(performance.now() - started),
    busyMs: Math.round(busy.active),
    load: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** Event-loop lag figures, in ms. */
export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
  /** Wall time of the work. */
  ms: number;
  /** Of it, the time the event loop was busy. */
  busyMs: number;
  /** The machine's 1-minute load average at the end. */
  load: number;
}

/** The simulator child process (sim-child.ts), driven over IPC. */
export class SimChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  /** Forks the child, which generates the home of `seed` and serves it; resolves with its URL. */
  static async start(seed: number, now: Date, token: string): Promise<SimChild> {
    // Compiled next to this file (dist/bench/mining/sim-child.js): the benchmark runs from dist.
    const child = fork(path.join(__dirname, "sim-child.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const ready = await reply<{ url: string }>(child, { type: "start", seed, now: now.toISOString(), token }, "ready");
    return new SimChild(child, ready.url);
  }

  /** The `logbook/get_events` commands the child's proxy saw. */
  async logbookRequests(): Promise<LogbookRequest[]> {
    return (await reply<{ requests: LogbookRequest[] }>(this.child, { type: "requests" }, "requests")).requests;
  }

  /** Forgets the commands seen so far. */
  async reset(): Promise<void> {
    await reply(this.child, { type: "reset" }, "reset");
  }

  /** Stops the simulator and the child. */
  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.send({ type: "stop" } satisfies SimChildRequest);
    await exited;
  }
}

function reply<T>(child: ChildProcess, request: SimChildRequest, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === "error") reject(new Error(`simulator child: ${message.message}`));
      else if (message.type === type) resolve(message as T);
      else return;
      child.off("message", onMessage);
    };
    child.on("message", onMessage);
    child.send(request);
  });
}
