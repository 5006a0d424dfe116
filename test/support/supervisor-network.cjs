// Loaded with `node --require` into a process under test. Inside an app container Docker's
// network resolves the name `supervisor`; here that name (on port 80) leads to the simulated
// Supervisor that PATTERN_QUALITY_TEST_SUPERVISOR names ("127.0.0.1:<port>"). The code under
// test keeps its own address, ws://supervisor/core/websocket.
"use strict";
const net = require("node:net");

const target = process.env.PATTERN_QUALITY_TEST_SUPERVISOR;
if (target) {
  const [host, port] = target.split(":");
  const connect = net.connect;
  const toSupervisor = (options) =>
    options !== null &&
    typeof options === "object" &&
    options.host === "supervisor" &&
    (options.port === undefined || Number(options.port) === 80);
  const redirected = function (...args) {
    if (toSupervisor(args[0])) args[0] = { ...args[0], host, port: Number(port) };
    return connect.apply(this, args);
  };
  net.connect = redirected;
  net.createConnection = redirected;
}
