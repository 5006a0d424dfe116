import { createRequire } from "node:module";

// The package's CommonJS entry ships no types; the types come from its ESM build. Biome refuses
// import attributes on `import type`, so the types are taken through import() type expressions.
type HawsModule = typeof import("home-assistant-js-websocket", { with: { "resolution-mode": "import" }});

/** home-assistant-js-websocket's connection object (one per websocket). */
export type HawsConnection = InstanceType<HawsModule["Connection"]>;

/** An entity's state as `get_states` returns it. */
export type HassEntity = import("home-assistant-js-websocket", { with: { "resolution-mode": "import" }}).HassEntity;

/** The socket shape home-assistant-js-websocket drives. */
export type HaWebSocket = import("home-assistant-js-websocket", { with: { "resolution-mode": "import" }}).HaWebSocket;

/** home-assistant-js-websocket, loaded through its CommonJS entry. */
export const haws: HawsModule = createRequire(__filename)("home-assistant-js-websocket");
