// Puts this repository's package into the Home Assistant app's build context. The Supervisor
// builds the app folder alone (nothing outside it can be copied into the image), so the package
// is packed (`npm pack`, which builds it) into addon/package/, where the Dockerfile installs it
// from; without a tarball there, the image installs the published version config.yaml names.
//
// Usage: node scripts/addon-context.js [destination] [--source <package folder>]
//   destination  copy the app folder there and pack into the copy (default: pack into addon/)
//   --source     the package to pack (default: this repository)

const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const repository = path.resolve(__dirname, "..");
const appFolder = path.join(repository, "addon");
const PACKAGE_FOLDER = "package";

function parseArguments(args) {
  let destination = null;
  let source = repository;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--source") source = path.resolve(args[++i] ?? fail("--source needs a folder"));
    else if (args[i].startsWith("-")) fail(`unknown option ${args[i]}`);
    else if (destination === null) destination = path.resolve(args[i]);
    else fail(`unexpected argument ${args[i]}`);
  }
  return { destination, source };
}

function fail(message) {
  console.error(`addon-context: ${message}`);
  process.exit(1);
}

/** config.yaml's `version:` (the app's version, which the image's package version follows). */
function appVersion(folder) {
  const match = /^version:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(path.join(folder, "config.yaml"), "utf8"));
  return match ? match[1] : fail(`${path.join(folder, "config.yaml")} has no version`);
}

const { destination, source } = parseArguments(process.argv.slice(2));
const packageVersion = JSON.parse(fs.readFileSync(path.join(source, "package.json"), "utf8")).version;
if (packageVersion !== appVersion(appFolder)) {
  fail(
    `the package is ${packageVersion} but addon/config.yaml says ${appVersion(appFolder)}: ` +
      "the app's version names the package it holds, so make them the same",
  );
}

const context = destination ?? appFolder;
if (destination !== null) {
  fs.mkdirSync(destination, { recursive: true });
  fs.cpSync(appFolder, destination, {
    recursive: true,
    filter: (file) => !(path.dirname(file) === path.join(appFolder, PACKAGE_FOLDER) && file.endsWith(".tgz")),
  });
}
const packages = path.join(context, PACKAGE_FOLDER);
fs.mkdirSync(packages, { recursive: true });
// One tarball only: the install step refuses to guess between several.
for (const name of fs.readdirSync(packages)) if (name.endsWith(".tgz")) fs.rmSync(path.join(packages, name));

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const output = execFileSync(npm, ["pack", "--json", "--pack-destination", packages], {
  cwd: source,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
  shell: process.platform === "win32",
});
const [packed] = JSON.parse(output);
console.log(
  `addon-context: ${path.join(packages, packed.filename)} (${packed.entryCount} files, ` +
    `${Math.round(packed.size / 1024)} kB); build the app from ${context}`,
);
