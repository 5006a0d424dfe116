// Node-RED settings inside the app. Options come from /data/options.json (the app's
// configuration tab); everything that must survive restarts and updates lives under /data.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const DATA = process.env.PATTERN_QUALITY_DATA || "/data";
const userDir = path.join(DATA, "node-red");

function readOptions() {
  try {
    return JSON.parse(fs.readFileSync(path.join(DATA, "options.json"), "utf8"));
  } catch {
    return {};
  }
}

/** The configured secret, else one generated on the first start and kept beside the flows. */
function credentialSecret(configured) {
  if (typeof configured === "string" && configured.length > 0) return configured;
  const file = path.join(userDir, ".credential-secret");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    const secret = crypto.randomBytes(24).toString("hex");
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

const options = readOptions();

module.exports = {
  options,
  userDir,
  flowFile: "flows.json",
  flowFilePretty: true,
  credentialSecret: credentialSecret(options.credential_secret),
  // Home Assistant's ingress authenticates every request before it reaches us (adminAuth stays
  // off, as in the community Node-RED app); the server refuses connections from anywhere else.
  httpAdminRoot: "/",
  httpNodeRoot: "/",
  diagnostics: { enabled: false, ui: false },
  telemetry: { enabled: false, updateNotification: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: options.log_level || "info", metrics: false, audit: false } },
};
