import { promises as fs } from "node:fs";
import path from "node:path";
import { SUGGEST_PATH } from "./loop";
import { EVENTS_PATH } from "./progress";

/** The model of the dashboard example, which the demo's household tab feeds too. */
export const DEMO_MODEL_ID = "pq-dash-model";
/** The dashboard example's stand-in feedback source; the demo's household answers through Home Assistant instead. */
export const SIMULATED_HOUSEHOLD_GROUP = "pq-dash-household";
/** The Home Assistant connection node; its token is in the encrypted credentials file only. */
export const DEMO_HA_ID = "pq-demo-ha";
const TAB = "pq-demo-tab";

type FlowNode = Record<string, unknown> & { id: string; type: string };

/**
 * The demo's flows: the dashboard example (examples/dashboard.json) without its simulated
 * household, its model tuned to update every 40 answers so versions appear within a minute, and a
 * "household" tab: suggestions are scored (which remembers their features), answers come back
 * from Home Assistant as feedback.
 */
export async function demoFlows(root: string): Promise<FlowNode[]> {
  const example = JSON.parse(await fs.readFile(path.join(root, "examples", "dashboard.json"), "utf8")) as FlowNode[];
  const dashboard = example.filter(
    (node) => node.id !== SIMULATED_HOUSEHOLD_GROUP && node.g !== SIMULATED_HOUSEHOLD_GROUP,
  );
  const model = dashboard.find((node) => node.id === DEMO_MODEL_ID);
  if (!model) throw new Error(`examples/dashboard.json has no pattern-model node ${DEMO_MODEL_ID}`);
  Object.assign(model, { name: "demo household", updateThreshold: 40, minSamples: 20 });
  // The widget reads the household's names from the demo's Home Assistant.
  for (const node of dashboard) if (node.type === "pattern-dashboard") node.ha = DEMO_HA_ID;
  return [...dashboard, ...householdTab()];
}

function householdTab(): FlowNode[] {
  return [
    {
      id: TAB,
      type: "tab",
      label: "Demo household",
      disabled: false,
      info: "The demo's household: it suggests patterns (scored here), and answers them on its phones through Home Assistant.",
    },
    {
      id: DEMO_HA_ID,
      type: "pattern-quality-ha",
      name: "demo Home Assistant",
      // The demo sets this variable to the simulator's address (or HA_URL) on every start.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Node-RED substitutes ${ENV} in node settings.
      url: "${PATTERN_QUALITY_HA_URL}",
    },
    {
      id: "pq-demo-comment",
      type: "comment",
      z: TAB,
      name: "Suggest → score → the household answers in Home Assistant → feedback",
      info:
        "The demo process posts each suggested pattern to " +
        SUGGEST_PATH +
        "; pattern-score scores it and remembers its features. The household answers on its phone (an actionable notification): Home Assistant fires mobile_app_notification_action with the action PATTERN_APPROVE_<id> or PATTERN_REJECT_<id>, which the feedback-collector turns into feedback for the model.",
      x: 330,
      y: 40,
      wires: [],
    },
    {
      id: "pq-demo-suggest",
      type: "http in",
      z: TAB,
      name: "suggested pattern",
      url: SUGGEST_PATH,
      method: "post",
      upload: false,
      swaggerDoc: "",
      x: 160,
      y: 100,
      wires: [["pq-demo-score"]],
    },
    {
      id: "pq-demo-score",
      type: "pattern-score",
      z: TAB,
      name: "score",
      model: DEMO_MODEL_ID,
      threshold: 0.5,
      x: 380,
      y: 100,
      wires: [["pq-demo-scored"], []],
    },
    {
      id: "pq-demo-scored",
      type: "http response",
      z: TAB,
      name: "score",
      statusCode: "",
      headers: {},
      x: 560,
      y: 100,
      wires: [],
    },
    {
      id: "pq-demo-feedback",
      type: "feedback-collector",
      z: TAB,
      name: "household answers",
      model: DEMO_MODEL_ID,
      ha: DEMO_HA_ID,
      notificationAction: true,
      approvePrefix: "PATTERN_APPROVE_",
      rejectPrefix: "PATTERN_REJECT_",
      customEvent: true,
      customEventType: "pattern_feedback",
      helperEntities: false,
      entityIds: "",
      patternAttribute: "pattern_id",
      decisionAttribute: "decision",
      implicit: false,
      entityTemplate: "automation.pattern_{id}",
      implicitDays: 7,
      x: 190,
      y: 200,
      wires: [[]],
    },
    {
      id: "pq-demo-updates",
      type: "incremental-update",
      z: TAB,
      name: "updates for the terminal",
      model: DEMO_MODEL_ID,
      mode: "incremental",
      reportOthers: true,
      x: 190,
      y: 300,
      wires: [["pq-demo-record"], ["pq-demo-record"]],
    },
    {
      id: "pq-demo-record",
      type: "function",
      z: TAB,
      name: "remember",
      func: [
        "// The last 200 updates and alerts, numbered, for the demo's terminal to poll.",
        'const events = flow.get("events") || [];',
        'const seq = (flow.get("seq") || 0) + 1;',
        "events.push({ seq, at: new Date().toISOString(), topic: msg.topic, payload: msg.payload });",
        'flow.set("events", events.slice(-200));',
        'flow.set("seq", seq);',
        "return null;",
      ].join("\n"),
      outputs: 0,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      x: 420,
      y: 300,
      wires: [],
    },
    {
      id: "pq-demo-events",
      type: "http in",
      z: TAB,
      name: "recent updates and alerts",
      url: EVENTS_PATH,
      method: "get",
      upload: false,
      swaggerDoc: "",
      x: 190,
      y: 360,
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
      y: 360,
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
      y: 360,
      wires: [],
    },
  ];
}
