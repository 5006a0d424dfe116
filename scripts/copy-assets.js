// Node-RED loads a node's editor HTML and locale strings from beside its compiled JavaScript,
// so the build copies every non-TypeScript file under nodes/ into dist/nodes/.

const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");

function copyAssets(from, to) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyAssets(source, target);
    } else if (!entry.name.endsWith(".ts")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}

copyAssets(path.join(root, "nodes"), path.join(root, "dist", "nodes"));
