// The household flow the app deploys on its first start (household-flow.json), and the app's
// options applied to it: which parts run (mining, questions on the phone, creating automations)
// is the app's configuration, so a household turns a part off there without opening the editor.
// An option is applied when it differs from the value applied last time (on the first start, all
// are), so a change made to the same setting in the editor stays until the option changes again.
// Only these settings of these nodes are touched.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

/** The household flow's nodes the options govern, by id. */
const NODES = { detect: "pq-home-detect", ask: "pq-home-ask", create: "pq-home-create" };

/** The household flow as deployed on the first start. */
function householdFlow() {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "household-flow.json"), "utf8"));
}

/** "notify.mobile_app_x", "mobile_app_x" or empty; anything else is ignored with a reason. */
function notifyService(value) {
  const text = typeof value === "string" ? value.trim() : "";
  if (text === "") return { service: "" };
  const service = text.startsWith("notify.") ? text : `notify.${text}`;
  if (!/^notify\.[a-z0-9_]+$/.test(service))
    return {
      service: "",
      problem:
        `phone_notify_service "${text}" is not a notify service such as notify.mobile_app_annas_phone: ` +
        "questions go to the dashboard only",
    };
  return { service };
}

/** The options this file applies, as they were last applied. */
const GOVERNING = ["mine_routines", "create_automations", "phone_notify_service", "asks_per_day"];

/** The governing options' values, to compare with the next start's. */
function appliedOptions(options) {
  return Object.fromEntries(GOVERNING.map((key) => [key, options[key] ?? null]));
}

/**
 * The options applied to the household flow's nodes, in place: those that differ from `previous`
 * (the values applied last time; null on the first start: all). Returns what changed and any
 * problem, for the log. Nodes removed in the editor are left removed.
 */
function applyOptions(flows, options, previous = null) {
  const byId = new Map(flows.map((node) => [node.id, node]));
  const changes = [];
  const problems = [];
  const changed = (key) => previous === null || (previous[key] ?? null) !== (options[key] ?? null);
  const enable = (id, on, what, key) => {
    const node = byId.get(id);
    if (!node || !changed(key)) return;
    const disabled = on === false;
    if (Boolean(node.d) !== disabled) changes.push(`${what} ${disabled ? "off" : "on"}`);
    if (disabled) node.d = true;
    else delete node.d;
  };
  enable(NODES.detect, options.mine_routines, "mining routines", "mine_routines");
  enable(NODES.create, options.create_automations, "creating automations", "create_automations");
  const ask = byId.get(NODES.ask);
  if (ask && changed("phone_notify_service")) {
    const { service, problem } = notifyService(options.phone_notify_service);
    if (problem) problems.push(problem);
    if ((ask.notifyService || "") !== service) changes.push(`questions on the phone: ${service || "off"}`);
    ask.notifyService = service;
  }
  if (ask && changed("asks_per_day")) {
    const asks = Number(options.asks_per_day);
    if (Number.isInteger(asks) && asks >= 0 && asks <= 50) {
      if (Number(ask.asksPerDay) !== asks) changes.push(`${asks} questions a day`);
      ask.asksPerDay = asks;
    }
  }
  return { changes, problems };
}

module.exports = { householdFlow, applyOptions, appliedOptions, NODES };
