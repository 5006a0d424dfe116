import { promises as fs } from "node:fs";
import path from "node:path";
import { PHONE } from "./home-assistant";
import { EVENTS_PATH } from "./progress";

/** The household flow's model (the Home Assistant app's flow, addon/household-flow.json). */
export const DEMO_MODEL_ID = "pq-home-model";
/** The Home Assistant connection node; its token is in the encrypted credentials file only. */
export const DEMO_HA_ID = "pq-home-ha";
/** Where the demo starts a simulated day's mining (POST). */
export const MINE_PATH = "/pattern-quality-demo/mine";
/** New questions a simulated day, as ask household's default allows a real one. */
export const ASKS_PER_SIMULATED_DAY = 3;
const TAB = "pq-demo-tab";
const DAY_SECONDS = 86_400;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** How the flow is tuned: the simulator's time runs `daySeconds` real seconds a day; a real Home Assistant's in real time. */
export interface FlowTuning {
  simulated: boolean;
  daySeconds: number;
}

/**
 * The demo's flows: the Home Assistant app's household flow (detect routines → score → ask →
 * create automation, the dashboard) connected to the demo's Home Assistant, and a tab for the
 * terminal. With the simulator, whose clock runs a day in `daySeconds`, the settings counted in
 * real days are scaled to simulated ones (Not now, the week a created automation must survive);
 * ask household counts its questions per real day, so its limit is raised and a function node
 * lets 3 new suggestions a simulated day through, the best scored first.
 */
export async function demoFlows(root: string, tuning: FlowTuning): Promise<FlowNode[]> {
  const household = JSON.parse(
    await fs.readFile(path.join(root, "addon", "household-flow.json"), "utf8"),
  ) as FlowNode[];
  const node = (id: string) => {
    const found = household.find((n) => n.id === id);
    if (!found) throw new Error(`addon/household-flow.json has no node ${id}`);
    return found;
  };
  // The demo sets this variable to the simulator's address (or HA_URL) on every start.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Node-RED substitutes ${ENV} in node settings.
  Object.assign(node(DEMO_HA_ID), { name: "demo Home Assistant", url: "${PATTERN_QUALITY_HA_URL}" });
  // A household answers a few questions a day: the first version after 6 answers, then one per 4.
  Object.assign(node(DEMO_MODEL_ID), { name: "demo household", minSamples: 6, updateThreshold: 4 });
  // The terminal reports every new version, whoever started its update.
  Object.assign(node("pq-home-updates"), { reportOthers: true });
  node("pq-home-updates").wires = [["pq-demo-record"], ["pq-home-alerts", "pq-demo-record"]];
  for (const id of ["pq-home-detect", "pq-home-widget"]) (node(id).wires as string[][])[0]!.push("pq-demo-record");
  const ask = node("pq-home-ask");
  (ask.wires as string[][])[0]!.push("pq-demo-record");
  (ask.wires as string[][])[1]!.push("pq-demo-record");
  node("pq-home-create").wires = [
    ["pq-home-created", "pq-demo-record"],
    ["pq-home-learned", "pq-demo-record"],
  ];
  if (tuning.simulated) {
    const day = tuning.daySeconds / DAY_SECONDS;
    Object.assign(ask, { notifyService: `notify.${PHONE}`, asksPerDay: 50, snoozeDays: round(2 * day) });
    Object.assign(node("pq-home-create"), { keptDays: round(7 * day) });
    node("pq-home-score").wires = [["pq-demo-day"], []];
  }
  return [...household, ...terminalTab(tuning.simulated)];
}

function round(days: number): number {
  return Number(days.toPrecision(3));
}

function terminalTab(simulated: boolean): FlowNode[] {
  const day: FlowNode[] = simulated
    ? [
        {
          id: "pq-demo-day",
          type: "function",
          z: "pq-home-tab",
          name: "3 new a simulated day",
          func: [
            "// ask household counts its questions per real day; the demo's days last a minute, so",
            "// this lets 3 new suggestions a simulated day through (the best scored first), and",
            "// those already let through, whose answers ask household keeps.",
            'const passed = new Set(flow.get("passed", "file") || []);',
            "const patterns = Array.isArray(msg.pattern) ? msg.pattern : [];",
            "const scores = Array.isArray(msg.payload) ? msg.payload : [];",
            "const fresh = patterns.map((p, i) => ({ p, s: scores[i], i })).filter((x) => !passed.has(x.p.id));",
            "fresh.sort((a, b) => (b.s?.score ?? 0.5) - (a.s?.score ?? 0.5));",
            `for (const x of fresh.slice(0, ${ASKS_PER_SIMULATED_DAY})) passed.add(x.p.id);`,
            'flow.set("passed", [...passed], "file");',
            "const keep = patterns.map((p, i) => i).filter((i) => passed.has(patterns[i].id));",
            "msg.pattern = keep.map((i) => patterns[i]);",
            "msg.payload = keep.map((i) => scores[i]);",
            "return msg;",
          ].join("\n"),
          outputs: 1,
          timeout: 0,
          noerr: 0,
          initialize: "",
          finalize: "",
          libs: [],
          x: 530,
          y: 60,
          wires: [["pq-home-ask"]],
        },
        {
          id: "pq-demo-mine",
          type: "http in",
          z: TAB,
          name: "a simulated day's mining",
          url: MINE_PATH,
          method: "post",
          upload: false,
          swaggerDoc: "",
          x: 190,
          y: 60,
          wires: [["pq-home-detect", "pq-demo-mined"]],
        },
        {
          id: "pq-demo-mined",
          type: "http response",
          z: TAB,
          name: "",
          statusCode: "202",
          headers: {},
          x: 420,
          y: 60,
          wires: [],
        },
      ]
    : [];
  return [
    {
      id: TAB,
      type: "tab",
      label: "Demo terminal",
      disabled: false,
      info: "What the demo's terminal prints: the flow's events (routines mined, questions asked, answers, automations created, what their fate taught, new versions, alerts), kept here and read by the demo.",
    },
    ...day,
    {
      id: "pq-demo-record",
      type: "function",
      z: TAB,
      name: "remember for the terminal",
      func: [
        "// The last 300 events of the household flow, numbered and made small, for the terminal to poll.",
        "const p = msg.payload;",
        "let kind, data;",
        'if (msg.topic === "routines") { kind = "mined"; data = { count: Array.isArray(p) ? p.length : 0, notice: msg.mining?.notice ?? null }; }',
        'else if (msg.topic === "asked") { kind = "asked"; data = { asked: (p || []).map((s) => ({ patternId: s.patternId, title: s.title, via: s.askedVia })), pending: msg.pending }; }',
        'else if (msg.topic === "implicit") { kind = "learned"; data = { patternId: p.patternId, label: p.label, user: p.user ?? null }; }',
        'else if (msg.topic === "update") { kind = "update"; data = { version: p.version, kind: p.kind, activated: p.activated, trial: p.trial ?? null, samples: p.samples, updateTimeMs: p.updateTimeMs, prequentialAccuracy: p.prequentialAccuracy }; }',
        'else if (p && typeof p.outcome === "string") { kind = "automation"; data = { patternId: p.patternId, outcome: p.outcome, alias: p.alias ?? null, entityId: p.entityId ?? null, message: p.message }; }',
        'else if (p && typeof p.answer === "string") { kind = "answer"; data = { patternId: p.patternId, answer: p.answer, by: p.by ?? null, title: msg.suggestion?.title ?? msg.pattern?.automation?.alias ?? null }; }',
        'else if (p && typeof p.action === "string") { kind = "dashboard"; data = { action: p.action, by: p.by ?? null, version: p.version ?? null }; }',
        'else { kind = "alert"; data = { type: msg.topic, message: p?.message ?? "" }; }',
        'const events = flow.get("events") || [];',
        'const seq = (flow.get("seq") || 0) + 1;',
        "events.push({ seq, at: new Date().toISOString(), kind, data });",
        'flow.set("events", events.slice(-300));',
        'flow.set("seq", seq);',
        "return null;",
      ].join("\n"),
      outputs: 0,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 460,
      y: 160,
      wires: [],
    },
    {
      id: "pq-demo-events",
      type: "http in",
      z: TAB,
      name: "events for the terminal",
      url: EVENTS_PATH,
      method: "get",
      upload: false,
      swaggerDoc: "",
      x: 190,
      y: 240,
      wires: [["pq-demo-after"]],
    },
    {
      id: "pq-demo-after",
      type: "function",
      z: TAB,
      name: "after seq",
      func: [
        "const after = Number(msg.req.query.after) || 0;",
        'msg.payload = (flow.get("events") || []).filter((event) => event.seq > after);',
        "return msg;",
      ].join("\n"),
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 420,
      y: 240,
      wires: [["pq-demo-events-out"]],
    },
    {
      id: "pq-demo-events-out",
      type: "http response",
      z: TAB,
      name: "",
      statusCode: "",
      headers: {},
      x: 590,
      y: 240,
      wires: [],
    },
  ];
}
