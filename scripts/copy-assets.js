// Node-RED loads a node's editor HTML and locale strings from beside its compiled JavaScript,
// so the build copies every non-TypeScript file under nodes/ into dist/nodes/. On the way, each
// editor HTML gets its form's defaults and limits from the core's settings specification
// (nodes/editor-forms.ts, compiled by the tsc step that runs first): the editor cannot hold
// limits of its own that drift from the ones the runtime enforces.

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const compiledForms = path.join(root, "dist", "nodes", "editor-forms.js");
if (!fs.existsSync(compiledForms)) {
  throw new Error(`${path.relative(root, compiledForms)} is missing: run tsc first (npm run build does)`);
}
const { fillEditorForms } = require(compiledForms);

function copyAssets(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyAssets(source, target);
    } else if (entry.name.endsWith(".html")) {
      fs.mkdirSync(to, { recursive: true });
      fs.writeFileSync(target, fillEditorForms(fs.readFileSync(source, "utf8"), path.relative(root, source)));
    } else if (!entry.name.endsWith(".ts")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

copyAssets(path.join(root, "nodes"), path.join(root, "dist", "nodes"));
