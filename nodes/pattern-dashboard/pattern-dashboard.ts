import * as fs from "node:fs";
import * as path from "node:path";
import { DashboardFeed } from "../../src/model/dashboard-feed";
import type { PatternModel } from "../../src/model/pattern-model";
import type { HaConnectionStatus } from "../../src/ha/connection";
import { householdNames } from "../../src/ha/people";
import { asError } from "../shared/errors";
import { findHaNode } from "../shared/home-assistant";
import { findModelNode, MissingModelError, openModel } from "../shared/model-node";
import { registerWithNodeCheck } from "../shared/node-version";
import type { NodeDefinition, NodeMessage, NodeRedApi, NodeStatus, RuntimeNode } from "../shared/red";
import { errorStatus, missingModelStatus, openingStatus } from "../shared/status";
import { activeStatus } from "../shared/versions";
import { type DashboardAction, dashboardUser, failureText, parseAction, runAction, successText } from "./actions";
import { type DashboardNotice, type DashboardSnapshot, dashboardSnapshot, problemSnapshot } from "./snapshot";
import { type BookHold, holdBook } from "../shared/suggestions";
import { answerSuggestion, parseSuggestionAction, suggestionMessage, suggestionsView } from "./suggestions";

const TYPE = "pattern-dashboard";
/** The model emits "metrics" on every feedback; the page gets at most two snapshots a second. */
const PUSH_INTERVAL_MS = 500;
/**
 * Scoring a pattern emits no event: a quiet model is looked at this often, so that a suggestion
 * scored while no feedback arrives still shows.
 */
const QUIET_REFRESH_MS = 5000;
/** Model events after which the page's picture is out of date. */
const REFRESHING_EVENTS = [
  "metrics",
  "update",
  "update-failed",
  "updating",
  "activated",
  "resumed",
  "alert",
  "feedback",
];

interface PatternDashboardDefinition extends NodeDefinition {
  group?: string;
  model?: string;
  /** Optional `pattern-quality-ha` connection: the household's names from its person entities. */
  ha?: string;
}

/** How often the household's names are read again while connected (people are rarely added). */
const NAMES_REFRESH_MS = 10 * 60 * 1000;

/** The ui-base node of Dashboard 2, as far as this widget uses it. */
interface DashboardBase {
  emit(event: string, msg: NodeMessage, node: RuntimeNode): void;
  stores: { data: { save(base: DashboardBase, node: RuntimeNode, msg: NodeMessage): void } };
  uiShared?: { contribs?: Record<string, unknown> } | null;
}

/** The ui-group node of Dashboard 2, which registers its widgets with its base. */
interface DashboardGroup {
  register(node: RuntimeNode, config: object, hooks: object): void;
  getBase(): DashboardBase;
}

/** The message the editor and the log show when the widget has no group to appear in. */
export const NO_GROUP_MESSAGE =
  'this pattern-dashboard node has no Dashboard 2 group: open it, choose a "ui-group" (or add one), and deploy';

const noGroupStatus: NodeStatus = { fill: "red", shape: "ring", text: "no group configured" };

/**
 * What Dashboard 2 needs to load this widget's bundle. It finds bundles only in packages named
 * `node-red-dashboard-2-…` or in `nodesDir`; installed from the palette, this package is neither,
 * so the widget tells its dashboard itself, from the `node-red-dashboard-2` section of package.json.
 */
function widgetBundle(): Record<string, unknown> | null {
  // The package root: the nearest package.json above this file (in dist/ when built, in nodes/ in tests).
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    try {
      const manifest = JSON.parse(fs.readFileSync(file, "utf8"));
      const widget = manifest["node-red-dashboard-2"]?.widgets?.[TYPE];
      if (!widget) return null;
      return { package: manifest.name, name: TYPE, src: widget.output, path: dir, component: widget.component };
    } catch {
      return null;
    }
  }
  return null;
}

// The model's own feed, kept in its store: a redeployed widget, or a restart, keeps the alerts and the chart.
function feedOf(model: PatternModel): DashboardFeed {
  if (model.feed) return model.feed;
  const feed = new DashboardFeed();
  feed.follow(model);
  model.feed = feed;
  return feed;
}

/** Registers `pattern-dashboard`: a Dashboard 2 widget showing a pattern model's versions, alerts and accuracy. */
export default function register(RED: NodeRedApi): void {
  function PatternDashboard(this: RuntimeNode, definition: PatternDashboardDefinition) {
    RED.nodes.createNode(this, definition);
    const group = RED.nodes.getNode(definition.group ?? "") as Partial<DashboardGroup> | null;
    const modelNode = findModelNode(RED, definition.model);
    if (!group || typeof group.register !== "function" || typeof group.getBase !== "function") {
      // Nothing to register with: the dashboard's pages load without this widget.
      this.status(noGroupStatus);
      this.error(new Error(NO_GROUP_MESSAGE));
      return;
    }
    const base = group.getBase();
    const contribs = base.uiShared?.contribs;
    if (contribs && !contribs[TYPE]) {
      const bundle = widgetBundle();
      if (bundle) contribs[TYPE] = bundle;
    }

    let model: PatternModel | null = null;
    let problem: string | null = modelNode ? null : new MissingModelError(TYPE).message;
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    let lastPush = 0;
    let quiet: NodeJS.Timeout | null = null;
    const detach: Array<() => void> = [];
    // User id → name, from Home Assistant's person entities when a connection is chosen.
    let names: ReadonlyMap<string, string> = new Map();
    // The suggestion book beside the model: pending suggestions with their buttons.
    let bookHold: BookHold | null = null;
    let bookOpening: Promise<BookHold> | null = null;
    const bookOf = (opened: PatternModel) => {
      bookOpening ??= holdBook(opened);
      return bookOpening;
    };

    const snapshot = (): DashboardSnapshot => {
      if (!model) return problemSnapshot(problem ?? "Opening the pattern model…");
      try {
        const shown = dashboardSnapshot(model, modelNode?.name || "pattern model", feedOf(model), names);
        return { ...shown, suggestions: bookHold ? suggestionsView(bookHold.book, names) : null };
      } catch (error) {
        // The model closed under a last event (its alert gate lets out what it held when closing).
        return problemSnapshot(`The pattern model is not available: ${asError(error).message}`);
      }
    };

    /** Sends the snapshot to every open page (a notice for the one that acted) and keeps it for pages opened later. */
    const publish = (notice?: DashboardNotice) => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (closed) return;
      lastPush = Date.now();
      const msg: NodeMessage = { payload: snapshot() };
      base.stores.data.save(base, this, msg);
      base.emit(`msg-input:${this.id}`, notice ? { ...msg, notice } : msg, this);
    };
    const schedule = () => {
      if (timer || closed) return;
      timer = setTimeout(publish, Math.max(0, lastPush + PUSH_INTERVAL_MS - Date.now()));
    };
    const showActive = () => {
      if (model) this.status(activeStatus(model));
    };

    if (!modelNode) {
      this.status(missingModelStatus);
      this.error(new MissingModelError(TYPE));
    } else {
      this.status(openingStatus);
      modelNode.model().then(
        (opened) => {
          if (closed) return;
          model = opened;
          for (const event of REFRESHING_EVENTS) {
            opened.on(event, schedule);
            detach.push(() => opened.off(event, schedule));
          }
          for (const event of ["activated", "resumed"]) {
            opened.on(event, showActive);
            detach.push(() => opened.off(event, showActive));
          }
          showActive();
          publish();
          bookOf(opened).then(
            (held) => {
              if (closed) return;
              bookHold = held;
              // Questions asked and answers given elsewhere show at once.
              held.book.on("change", schedule);
              detach.push(() => held.book.off("change", schedule));
              publish();
            },
            (error: unknown) => this.warn(`the suggestions cannot be shown: ${asError(error).message}`),
          );
          quiet = setInterval(() => {
            if (Date.now() - lastPush >= QUIET_REFRESH_MS) publish();
          }, QUIET_REFRESH_MS);
          quiet.unref();
        },
        (error: unknown) => {
          if (closed) return;
          problem = `The pattern model could not be opened: ${asError(error).message}`;
          this.status(errorStatus(error));
          publish();
        },
      );
    }

    /** One button press, from Dashboard 2's widget-action: the model call, then the output message (or an error). */
    const act = async (msg: NodeMessage): Promise<NodeMessage | null> => {
      const socketId = (msg._client as { socketId?: unknown } | undefined)?.socketId;
      const to = typeof socketId === "string" ? socketId : null;
      let action: DashboardAction | null = null;
      try {
        const pressed = parseSuggestionAction(msg.payload);
        if (pressed !== null) {
          const opened = model ?? (await openModel(modelNode, TYPE));
          const held = await bookOf(opened);
          const answered = await answerSuggestion(opened, held.book, pressed, dashboardUser(msg));
          publish({ to, level: "success", text: answered.text });
          return suggestionMessage(msg, answered);
        }
        action = parseAction(msg.payload);
        const opened = model ?? (await openModel(modelNode, TYPE));
        const payload = await runAction(opened, action, dashboardUser(msg));
        publish({ to, level: "success", text: successText(action, payload) });
        return { ...msg, topic: action.action, payload };
      } catch (error) {
        publish({ to, level: "error", text: failureText(action, error) });
        this.error(asError(error), msg);
        return null;
      }
    };

    const haNode = findHaNode(RED, definition.ha);
    if (definition.ha && !haNode)
      this.warn("the chosen Home Assistant connection no longer exists: names are not shown");
    const connection = haNode?.connection ?? null;
    if (haNode && connection) {
      let warned = false;
      const readNames = () => {
        if (closed || !connection.connected) return;
        householdNames(connection).then(
          (read) => {
            names = read;
            warned = false;
            schedule();
          },
          (error: unknown) => {
            // Only the names are missing (user ids show instead): say so once, not on every try.
            if (!warned)
              this.warn(`could not read the household's names from Home Assistant: ${asError(error).message}`);
            warned = true;
          },
        );
      };
      const onStatus = (status: HaConnectionStatus) => {
        if (status.state === "connected") readNames();
      };
      connection.on("status", onStatus);
      haNode.register(this);
      const again = setInterval(readNames, NAMES_REFRESH_MS);
      again.unref();
      detach.push(() => {
        clearInterval(again);
        connection.off("status", onStatus);
        haNode.deregister(this);
      });
      readNames();
    }

    group.register(this, definition, {
      onAction: true,
      beforeSend: act,
      // The widget sends only actions; a change or send from a page must not replace its stored snapshot.
      onChange: () => undefined,
      onSend: () => undefined,
    });
    if (!modelNode) publish();

    this.on("close", (_removed, done) => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (quiet) clearInterval(quiet);
      for (const off of detach.splice(0)) off();
      const released = bookOpening?.then((held) => held.release()).catch(() => undefined);
      void (released ?? Promise.resolve()).finally(() => done());
    });
  }

  registerWithNodeCheck(RED, TYPE, PatternDashboard);
}
