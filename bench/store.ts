/**
 * The store: acknowledged feedback appends per second (fsync, group commit) and their latency,
 * activation/rollback with 50 versions of ~1 MB, open time with 100,000 feedback records and 50
 * versions, and disk use. Runs on a temp directory of the machine's own disk.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import type { Feedback } from "../src/feedback/feedback";
import { FeedbackLog } from "../src/feedback/log";
import { PatternCache } from "../src/feedback/pattern-cache";
import { VersionRegistry } from "../src/versions/registry";
import { markdownTable, type BenchOptions, type BenchResult, type BenchSection } from "./section";

export const storeSection: BenchSection = {
  name: "store",
  run: runStore,
};

const FEATURES = Array.from({ length: 25 }, (_, i) => `feature_${i}`);

function feedback(id: string, n: number): Feedback {
  const features: Record<string, number> = {};
  FEATURES.forEach((name, i) => {
    features[name] = Math.round(((n * 31 + i * 17) % 1000) * 1.337) / 1000;
  });
  return {
    id,
    patternId: `pattern-${n % 500}`,
    label: n % 3 === 0 ? 0 : 1,
    features,
    source: "ha:mobile_app_notification_action",
    user: "user-1",
    receivedAt: new Date(1_700_000_000_000 + n * 1000).toISOString(),
  };
}

/** A model-shaped JSON document of about `bytes` bytes (trees of numbers, as the forest writes). */
function model(bytes: number, seed: number): unknown {
  const trees = [];
  let size = 0;
  for (let t = 0; size < bytes; t += 1) {
    const nodes = Array.from({ length: 200 }, (_, i) => ((seed * 7919 + t * 104729 + i * 31) % 100_000) / 100_000);
    trees.push({ feature: nodes.map((_, i) => i % 25), threshold: nodes, value: nodes.map((v) => 1 - v) });
    size += JSON.stringify(trees.at(-1)).length;
  }
  return { format: "bench-forest", trees };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summary(samples: number[]): { count: number; p50: number; p95: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    total += entry.isDirectory() ? await directoryBytes(file) : (await stat(file)).size;
  }
  return total;
}

async function measureAppends(dir: string, quick: boolean) {
  const log = await FeedbackLog.open(dir);
  // One producer at a time: every append waits for its own fsync (what group commit saves).
  const sequentialCount = quick ? 200 : 1000;
  const sequentialLatency: number[] = [];
  let started = performance.now();
  for (let i = 0; i < sequentialCount; i += 1) {
    const t0 = performance.now();
    await log.append([feedback(`s${i}`, i)]);
    sequentialLatency.push(performance.now() - t0);
  }
  const sequentialPerSecond = sequentialCount / ((performance.now() - started) / 1000);

  // Many producers (flows, HA events) at once: group commit writes what arrives during an fsync together.
  const producers = 32;
  const perProducer = quick ? 50 : 250;
  const concurrentLatency: number[] = [];
  const syncsBefore = log.stats().syncs;
  started = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async (_, p) => {
      for (let i = 0; i < perProducer; i += 1) {
        const t0 = performance.now();
        await log.append([feedback(`c${p}-${i}`, i)]);
        concurrentLatency.push(performance.now() - t0);
      }
    }),
  );
  const concurrentSeconds = (performance.now() - started) / 1000;
  const appends = producers * perProducer;
  const syncs = log.stats().syncs - syncsBefore;
  await log.close();
  return {
    sequential: {
      appends: sequentialCount,
      perSecond: Math.round(sequentialPerSecond),
      latencyMs: summary(sequentialLatency),
    },
    concurrent: {
      producers,
      appends,
      perSecond: Math.round(appends / concurrentSeconds),
      latencyMs: summary(concurrentLatency),
      fsyncs: syncs,
      appendsPerFsync: Math.round((appends / syncs) * 10) / 10,
    },
  };
}

async function measureVersions(dir: string, quick: boolean) {
  const registry = await VersionRegistry.open(dir, { retention: 100 });
  const versions = 50;
  const modelBytes = 1_000_000;
  let saveMs = 0;
  for (let i = 0; i < versions; i += 1) {
    const t0 = performance.now();
    await registry.save({
      model: model(modelBytes, i),
      kind: i === 0 ? "initial" : "incremental",
      trainedOn: { samples: i * 100, feedbackWatermark: i * 100 },
      metrics: { accuracy: 0.8 },
    });
    saveMs += performance.now() - t0;
  }
  const sizeBytes = registry.get("v0001").sizeBytes;
  const rounds = quick ? 10 : 30;
  const activate: number[] = [];
  const rollback: number[] = [];
  const activateAndLoad: number[] = [];
  await registry.activate(`v${String(versions).padStart(4, "0")}`, { reason: "bench", by: "bench" });
  for (let i = 0; i < rounds; i += 1) {
    const id = `v${String(1 + ((i * 7) % versions)).padStart(4, "0")}`;
    let t0 = performance.now();
    await registry.activate(id, { reason: "bench", by: "bench" });
    activate.push(performance.now() - t0);
    t0 = performance.now();
    await registry.rollback("previous", { reason: "bench rollback", by: "bench" });
    rollback.push(performance.now() - t0);
    t0 = performance.now();
    const target = `v${String(1 + ((i * 13 + 5) % versions)).padStart(4, "0")}`;
    await registry.activate(target, { reason: "bench", by: "bench" });
    await registry.loadModel(target);
    activateAndLoad.push(performance.now() - t0);
  }
  await registry.close();
  return {
    versions,
    modelBytes: sizeBytes,
    saveMsPerVersion: Math.round((saveMs / versions) * 10) / 10,
    activateMs: summary(activate),
    rollbackMs: summary(rollback),
    activateAndLoadMs: summary(activateAndLoad),
  };
}

async function measureOpen(dir: string, quick: boolean) {
  const records = 100_000;
  const log = await FeedbackLog.open(dir, { retention: records });
  for (let start = 0; start < records; start += 1000) {
    await log.append(Array.from({ length: 1000 }, (_, i) => feedback(`o${start + i}`, start + i)));
  }
  await log.close();
  const cache = await PatternCache.open(dir);
  for (let i = 0; i < 500; i += 1) await cache.remember(`pattern-${i}`, feedback("x", i).features!);
  await cache.close();
  const times: number[] = [];
  // CPU time beside wall time: on a shared, loaded machine the wall time mostly measures waiting.
  const cpu: number[] = [];
  for (let round = 0; round < (quick ? 1 : 5); round += 1) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const [openedLog, openedCache, openedRegistry] = await Promise.all([
      FeedbackLog.open(dir, { retention: records }),
      PatternCache.open(dir),
      VersionRegistry.open(dir, { retention: 100 }),
    ]);
    times.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    if (openedLog.size !== records || openedRegistry.list().length !== 50)
      throw new Error("the store did not reopen complete");
    await Promise.all([openedLog.close(), openedCache.close(), openedRegistry.close()]);
  }
  return { records, versions: 50, openMs: summary(times), openCpuMs: summary(cpu) };
}

async function runStore(options: BenchOptions): Promise<BenchResult> {
  const root = await mkdtemp(path.join(tmpdir(), "pq-bench-store-"));
  try {
    const appends = await measureAppends(path.join(root, "appends"), options.quick);
    const store = path.join(root, "store");
    const versions = await measureVersions(store, options.quick);
    const open = await measureOpen(store, options.quick);
    const logBytes = (await stat(path.join(store, "feedback.jsonl"))).size;
    const disk = {
      feedbackLogBytes: logBytes,
      bytesPerFeedback: Math.round(logBytes / open.records),
      modelsBytes: await directoryBytes(path.join(store, "models")),
      registryBytes: (await stat(path.join(store, "versions.json"))).size,
      activationLogBytes: (await stat(path.join(store, "activations.jsonl"))).size,
      totalBytes: await directoryBytes(store),
    };
    const load = Math.round(loadavg()[0]! * 10) / 10;
    const json = { store: { appends, versions, open, disk, loadAverage: load } };
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    const table = [
      ["figure", "measured", "target"],
      ["acked appends/s, 32 producers (group commit)", String(appends.concurrent.perSecond), ""],
      ["  ack latency p50 / p99", `${appends.concurrent.latencyMs.p50} / ${appends.concurrent.latencyMs.p99} ms`, ""],
      ["  appends per fsync", String(appends.concurrent.appendsPerFsync), ""],
      ["acked appends/s, one producer", String(appends.sequential.perSecond), ""],
      ["  ack latency p50 / p99", `${appends.sequential.latencyMs.p50} / ${appends.sequential.latencyMs.p99} ms`, ""],
      [
        `activate, ${versions.versions} versions of ${mb(versions.modelBytes)}, p50 / p95`,
        `${versions.activateMs.p50} / ${versions.activateMs.p95} ms`,
        "≤ 100 ms",
      ],
      ["rollback to previous, p50 / p95", `${versions.rollbackMs.p50} / ${versions.rollbackMs.p95} ms`, "≤ 100 ms"],
      [
        "activate + load (hash, parse), p50 / p95",
        `${versions.activateAndLoadMs.p50} / ${versions.activateAndLoadMs.p95} ms`,
        "",
      ],
      ["save one version", `${versions.saveMsPerVersion} ms`, ""],
      [
        `open: ${open.records.toLocaleString("en")} feedback + ${open.versions} versions, p50 / max`,
        `${open.openMs.p50} / ${open.openMs.max} ms`,
        "≤ 1000 ms",
      ],
      ["  open, CPU time p50", `${open.openCpuMs.p50} ms`, ""],
      ["disk: feedback log", `${mb(disk.feedbackLogBytes)} (${disk.bytesPerFeedback} B/record)`, ""],
      [
        "disk: models / registry / activation log",
        `${mb(disk.modelsBytes)} / ${disk.registryBytes} B / ${disk.activationLogBytes} B`,
        "",
      ],
    ];
    const markdown = [
      "## Store",
      "",
      "Feedback is acknowledged only after fsync; appends arriving during an fsync are committed together.",
      `Versions: ${versions.versions} model files of ${mb(versions.modelBytes)}; activation verifies the target's sha256,`,
      "appends the activation record (fsync) and rewrites the small registry (temp, fsync, rename, fsync directory).",
      `Records carry 25 features each. Load average during the run: ${load} (fsync and open times grow with it).`,
      options.quick ? "`--quick`: fewer appends and rounds; same store sizes." : "",
      "",
      ...markdownTable(table),
      "",
    ].join("\n");
    return { json, table, markdown };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
