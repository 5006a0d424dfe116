// Draws the Home Assistant app's icon (addon/icon.png, 128×128, as HA asks) and logo
// (addon/logo.png, 250×100, HA's recommended size): a decision tree whose branches end in
// "approved" and "rejected", and the name in stroked capitals. No image tools needed: shapes are
// rasterised with 4×4 supersampling and written as RGBA PNG with zlib.
//
// Usage: node scripts/draw-app-images.js   (rewrites both files; commit the result)

const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const appFolder = path.resolve(__dirname, "..", "addon");
const SUPERSAMPLING = 4;

const BLUE_TOP = [65, 189, 245];
const BLUE_BOTTOM = [30, 136, 199];
const WHITE = [255, 255, 255];
const GREEN = [67, 160, 71];
const RED = [229, 57, 53];
const TEXT = [30, 136, 199];

/** A PNG file holding `pixels` (RGBA, row by row). */
function encodePng(width, height, pixels) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    // Filter byte 0 (none) before each row.
    pixels.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Distance from (px, py) to the segment a–b. */
function segmentDistance(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) <= r;
const roundedSquare = (x0, y0, size, r) => (x, y) => {
  const qx = Math.max(Math.abs(x - (x0 + size / 2)) - (size / 2 - r), 0);
  const qy = Math.max(Math.abs(y - (y0 + size / 2)) - (size / 2 - r), 0);
  return Math.hypot(qx, qy) <= r;
};
/** A stroke of `width` along a polyline of [x, y] points, with round caps and joins. */
const stroke = (points, width) => (x, y) => {
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    if (segmentDistance(x, y, ax, ay, bx, by) <= width / 2) return true;
  }
  return false;
};

/** Paints layers ({inside(x, y), color(x, y)}) in order onto a transparent canvas. */
function render(width, height, layers) {
  const pixels = Buffer.alloc(width * height * 4);
  const n = SUPERSAMPLING;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const px = x + (sx + 0.5) / n;
          const py = y + (sy + 0.5) / n;
          let color = null;
          for (const layer of layers) if (layer.inside(px, py)) color = layer.color(px, py);
          if (color) {
            r += color[0];
            g += color[1];
            b += color[2];
            a += 1;
          }
        }
      }
      const offset = (y * width + x) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
        pixels[offset + 3] = Math.round((255 * a) / (n * n));
      }
    }
  }
  return encodePng(width, height, pixels);
}

const solid = (color) => () => color;

/** The icon's layers in a 128×128 box, scaled by `scale` and moved by (dx, dy). */
function iconLayers(scale = 1, dx = 0, dy = 0) {
  const at = (layer) => ({
    inside: (x, y) => layer.inside((x - dx) / scale, (y - dy) / scale),
    color: (x, y) => layer.color((x - dx) / scale, (y - dy) / scale),
  });
  const gradient = (_x, y) => BLUE_TOP.map((top, i) => Math.round(top + ((BLUE_BOTTOM[i] - top) * y) / 128));
  return [
    { inside: roundedSquare(0, 0, 128, 26), color: gradient },
    // The tree: a pattern at the root, the household's two answers at the leaves.
    {
      inside: stroke(
        [
          [34, 90],
          [64, 38],
          [94, 90],
        ],
        7,
      ),
      color: solid(WHITE),
    },
    { inside: circle(64, 36, 15), color: solid(WHITE) },
    { inside: circle(64, 36, 8), color: gradient },
    { inside: circle(34, 92, 21), color: solid(WHITE) },
    { inside: circle(34, 92, 17), color: solid(GREEN) },
    {
      inside: stroke(
        [
          [26, 92],
          [32, 99],
          [43, 85],
        ],
        5,
      ),
      color: solid(WHITE),
    },
    { inside: circle(94, 92, 21), color: solid(WHITE) },
    { inside: circle(94, 92, 17), color: solid(RED) },
    {
      inside: stroke(
        [
          [87, 85],
          [101, 99],
        ],
        5,
      ),
      color: solid(WHITE),
    },
    {
      inside: stroke(
        [
          [101, 85],
          [87, 99],
        ],
        5,
      ),
      color: solid(WHITE),
    },
  ].map(at);
}

/** Points along an elliptical arc, angles in degrees (0 = right, 90 = down). */
function arc(cx, cy, rx, ry, from, to, steps = 16) {
  const points = [];
  for (let i = 0; i <= steps; i++) {
    const angle = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    points.push([cx + rx * Math.cos(angle), cy + ry * Math.sin(angle)]);
  }
  return points;
}

/** Capital letters as polylines in a box 1 high, with the width each takes. */
const LETTERS = {
  P: {
    width: 0.6,
    strokes: [[[0, 1], [0, 0], [0.32, 0], ...arc(0.32, 0.26, 0.26, 0.26, -90, 90), [0, 0.52]]],
  },
  A: {
    width: 0.72,
    strokes: [
      [
        [0, 1],
        [0.36, 0],
        [0.72, 1],
      ],
      [
        [0.13, 0.64],
        [0.59, 0.64],
      ],
    ],
  },
  T: {
    width: 0.64,
    strokes: [
      [
        [0, 0],
        [0.64, 0],
      ],
      [
        [0.32, 0],
        [0.32, 1],
      ],
    ],
  },
  E: {
    width: 0.54,
    strokes: [
      [
        [0.54, 0],
        [0, 0],
        [0, 1],
        [0.54, 1],
      ],
      [
        [0, 0.5],
        [0.44, 0.5],
      ],
    ],
  },
  R: {
    width: 0.62,
    strokes: [
      [[0, 1], [0, 0], [0.32, 0], ...arc(0.32, 0.26, 0.26, 0.26, -90, 90), [0, 0.52]],
      [
        [0.3, 0.52],
        [0.62, 1],
      ],
    ],
  },
  N: {
    width: 0.64,
    strokes: [
      [
        [0, 1],
        [0, 0],
        [0.64, 1],
        [0.64, 0],
      ],
    ],
  },
  Q: {
    width: 0.8,
    strokes: [
      arc(0.4, 0.5, 0.4, 0.5, 0, 360, 32),
      [
        [0.5, 0.72],
        [0.8, 1.02],
      ],
    ],
  },
  U: {
    width: 0.64,
    strokes: [
      [
        [0, 0],
        [0, 0.68],
        // From the left stem around the bottom (90° is down) to the right stem.
        ...arc(0.32, 0.68, 0.32, 0.32, 180, 0),
        [0.64, 0],
      ],
    ],
  },
  L: {
    width: 0.52,
    strokes: [
      [
        [0, 0],
        [0, 1],
        [0.52, 1],
      ],
    ],
  },
  I: {
    width: 0,
    strokes: [
      [
        [0, 0],
        [0, 1],
      ],
    ],
  },
  Y: {
    width: 0.68,
    strokes: [
      [
        [0, 0],
        [0.34, 0.52],
        [0.68, 0],
      ],
      [
        [0.34, 0.52],
        [0.34, 1],
      ],
    ],
  },
};

/** A word as stroke layers: its top-left corner at (x, y), letters `height` high. */
function wordLayers(word, x, y, height, lineWidth, spacing) {
  const layers = [];
  let left = x;
  for (const char of word) {
    const letter = LETTERS[char];
    if (!letter) throw new Error(`no strokes for the letter ${char}`);
    for (const points of letter.strokes) {
      const placed = points.map(([px, py]) => [left + px * height, y + py * height]);
      layers.push({ inside: stroke(placed, lineWidth), color: solid(TEXT) });
    }
    left += letter.width * height + spacing;
  }
  return layers;
}

const icon = render(128, 128, iconLayers());
const logo = render(250, 100, [
  ...iconLayers(88 / 128, 4, 6),
  ...wordLayers("PATTERN", 106, 21, 24, 3.6, 4.8),
  ...wordLayers("QUALITY", 106, 55, 24, 3.6, 4.8),
]);
fs.writeFileSync(path.join(appFolder, "icon.png"), icon);
fs.writeFileSync(path.join(appFolder, "logo.png"), logo);
console.log(`wrote addon/icon.png (${icon.length} bytes) and addon/logo.png (${logo.length} bytes)`);
