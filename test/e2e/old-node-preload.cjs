// Preloaded (node --require) into red.js to make it look like Node.js 20.12 to this package:
// process.versions.node says so, and require() of lowdb (ESM-only) fails the way it does there.
const Module = require("node:module");

Object.defineProperty(process.versions, "node", { value: "20.12.2", enumerable: true, configurable: true });

const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === "lowdb" || request.startsWith("lowdb/")) {
    const error = new Error(`require() of ES Module ${request} not supported.`);
    error.code = "ERR_REQUIRE_ESM";
    throw error;
  }
  return load.call(this, request, ...rest);
};
