// Builds the pattern-dashboard widget's browser side (ui/pattern-dashboard, render functions, no
// template compiler needed) into resources/pattern-dashboard.umd.js, where Node-RED serves a
// package's browser files (`<admin root>/resources/<package>/…`) and Dashboard 2 loads a
// widget's bundle from. The bundle is a UMD library with Vue left out: the dashboard's own Vue
// (window.Vue) renders it. Its name and file come from package.json's node-red-dashboard-2 section.

const path = require("node:path");

const root = path.resolve(__dirname, "..");
const manifest = require(path.join(root, "package.json"));
const TYPE = "pattern-dashboard";

async function main() {
  const widget = manifest["node-red-dashboard-2"]?.widgets?.[TYPE];
  if (!widget) throw new Error(`package.json has no node-red-dashboard-2 widget "${TYPE}"`);
  const { build } = await import("vite");
  await build({
    configFile: false,
    root,
    logLevel: "warn",
    build: {
      lib: {
        entry: path.join(root, "ui", TYPE, "index.ts"),
        // Dashboard 2 looks the bundle up as window[<widget type>][<component>].
        name: TYPE,
        formats: ["umd"],
        fileName: () => widget.output,
      },
      outDir: path.join(root, "resources"),
      emptyOutDir: false,
      target: "es2020",
      rolldownOptions: { external: ["vue"], output: { globals: { vue: "Vue" } } },
    },
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
