// The Home Assistant app as far as this machine goes without Docker: the build context assembled
// by scripts/addon-context.js (the app folder plus the package packed from a clean copy of HEAD),
// the Dockerfile's COPY and install steps run into a temporary root, then the app's server behind
// an emulated ingress proxy (only its address may connect; the path prefix in X-Ingress-Path),
// reaching Home Assistant (the project's simulator serving a generated home with four weeks of
// logbook) through a simulated Supervisor's ws://supervisor/core/websocket and
// http://supervisor/core/api with the app's SUPERVISOR_TOKEN. Its first start deploys the
// household flow, which finds the home's routines and asks about them without any flow written.
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { generateHome } from "../../src/testing/simulation/home-history";
import { IngressProxy } from "../support/ingress-proxy";
import { freePort } from "../support/node-red";
import { cleanCopyOfHead, lockedVersion } from "../support/pack";
import { SimulatedSupervisor, supervisorNetworkHook } from "../support/supervisor";
import { artifactsDir, browserSkipReason, eventually, launchChromium, projectRoot } from "./support";

const PACKAGE = "node-red-contrib-pattern-quality";
const MODEL = "pq-home-model";
/** The household's phone, as the app's options name it. */
const PHONE = "mobile_app_household_phone";
const generated = generateHome({ seed: 7 });
const supervisorUser = generated.users.find((user) => user.name === "Supervisor")!;
/** The Supervisor's default `timeout` before it kills an app that was asked to stop. */
const SUPERVISOR_STOP_TIMEOUT_MS = 10_000;
const appFolder = path.join(projectRoot, "addon");
const appVersion = /^version:\s*"?([^"\s]+)"?/m.exec(readFileSync(path.join(appFolder, "config.yaml"), "utf8"))![1]!;
const skipBrowser = browserSkipReason();

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function dockerfileInstructions(text: string): { keyword: string; args: string }[] {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
    });
}

/** A path of the image's filesystem, placed under `root`. */
const inRoot = (root: string, imagePath: string) => path.join(root, imagePath);

/**
 * Runs the Dockerfile's COPY instructions and its install step (the RUN segment that calls
 * install.sh) with the image's absolute paths placed under `root`. The other RUN segments
 * (cleaning npm's cache, removing the copied sources, chmod) only tidy the image and are skipped:
 * run here, they would touch this machine.
 */
async function runDockerfile(context: string, root: string, buildArgs: Record<string, string>): Promise<string> {
  const instructions = dockerfileInstructions(await fs.readFile(path.join(context, "Dockerfile"), "utf8"));
  let log = "";
  for (const { keyword, args } of instructions) {
    if (keyword === "COPY") {
      const parts = args.split(/\s+/);
      const destination = parts.pop()!;
      for (const source of parts) {
        const from = path.join(context, source);
        const to = destination.endsWith("/")
          ? (await fs.stat(from)).isDirectory()
            ? inRoot(root, destination)
            : path.join(inRoot(root, destination), path.basename(source))
          : inRoot(root, destination);
        await fs.mkdir(path.dirname(to), { recursive: true });
        await fs.cp(from, to, { recursive: true });
      }
    } else if (keyword === "RUN") {
      for (const segment of args.split("&&").map((s) => s.trim())) {
        if (!segment.includes("install.sh")) continue;
        const command = segment
          .replace(/\$\{(\w+)\}/g, (_all, name: string) => buildArgs[name] ?? "")
          .replace(/(^|[\s"'=])\/(opt|tmp)\//g, (_all, before: string, top: string) => `${before}${root}/${top}/`);
        log += execFileSync("sh", ["-c", command], {
          encoding: "utf8",
          // From npm's cache when it has them (after `npm ci` it has every locked dependency).
          env: { ...process.env, npm_config_prefer_offline: "true" },
          stdio: ["ignore", "pipe", "pipe"],
        });
      }
    }
  }
  return log;
}

/** Opens a TCP connection from `localAddress` and resolves with what the server sent before closing. */
function exchange(port: number, localAddress: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    const socket = net.connect({ host: "127.0.0.1", port, localAddress }, () =>
      socket.write("GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"),
    );
    socket.on("data", (chunk) => (received += chunk.toString("utf8")));
    socket.on("close", () => resolve(received));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? resolve(received) : reject(error),
    );
  });
}

/** The install step alone, with a given package folder and version, without npm reaching the network. */
function installStep(packages: string, version: string, target: string) {
  return spawnSync("sh", [path.join(appFolder, "install.sh"), target, packages, version], {
    encoding: "utf8",
    env: { ...process.env, npm_config_offline: "true" },
  });
}

describe("the Home Assistant app", () => {
  let work: string;
  let context: string;
  let root: string;
  let installLog: string;
  let home: HomeAssistantSimulator;
  let supervisor: SimulatedSupervisor;
  let ingress: IngressProxy;
  let port: number;
  let server: ChildProcess;
  let output = "";
  let startedAt = 0;
  /** Milliseconds from the server's start to the first question about a mined routine. */
  let firstQuestionMs = 0;
  const appToken = randomBytes(24).toString("hex");
  const app = () => path.join(root, "opt", "pattern-quality");

  /** Starts the app's server as run.sh does (the image's paths under the test's root), until its flows run. */
  const startServer = async () => {
    output = "";
    startedAt = Date.now();
    server = spawn(process.execPath, ["--require", supervisorNetworkHook, path.join(app(), "server.js")], {
      cwd: app(),
      env: {
        ...process.env,
        PATTERN_QUALITY_DATA: inRoot(root, "data"),
        PATTERN_QUALITY_INGRESS_PORT: String(port),
        // The ingress proxy's address, standing for 172.30.32.2.
        PATTERN_QUALITY_INGRESS_FROM: "127.0.0.1",
        SUPERVISOR_TOKEN: appToken,
        PATTERN_QUALITY_TEST_SUPERVISOR: supervisor.address,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    await eventually(
      async () => (output.includes("Started flows") ? true : undefined),
      "Node-RED in the app to start its flows",
      60_000,
    );
  };

  const ingressGet = (route: string) => fetch(`${ingress.entry}${route}`, { headers: { cookie: ingress.cookie } });

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-app-"));
    const source = await cleanCopyOfHead(path.join(work, "source"));
    context = path.join(work, "context");
    execFileSync(
      process.execPath,
      [path.join(projectRoot, "scripts", "addon-context.js"), context, "--source", source],
      {
        stdio: "pipe",
      },
    );
    root = path.join(work, "root");
    // As the Supervisor builds it: config.yaml's version and the machine's architecture.
    installLog = await runDockerfile(context, root, { BUILD_VERSION: appVersion, BUILD_ARCH: "amd64" });

    const data = inRoot(root, "data");
    await fs.mkdir(data);
    await fs.writeFile(
      path.join(data, "options.json"),
      JSON.stringify({
        log_level: "info",
        household_flow: true,
        mine_routines: true,
        phone_notify_service: `notify.${PHONE}`,
        asks_per_day: 3,
        create_automations: true,
        credential_secret: "",
      }),
    );

    home = await HomeAssistantSimulator.start({ home: generated, notifyServices: [PHONE] });
    supervisor = await SimulatedSupervisor.start({ home, appToken, coreUserId: supervisorUser.id });
    port = await freePort();
    ingress = await IngressProxy.start({ appPort: port, fromAddress: "127.0.0.1" });
    await startServer();
  }, 240_000);

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGKILL");
      await exited;
    }
    await ingress?.stop();
    await supervisor?.stop();
    await home?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  }, 30_000);

  describe("its build", () => {
    it("has its context assembled from the app folder and the package packed from the repository", async () => {
      const files = ["config.yaml", "Dockerfile", "install.sh", "run.sh", "server.js", "settings.js", "DOCS.md"];
      for (const file of [...files, "household.js", "household-flow.json"])
        await expect(fs.stat(path.join(context, file)), file).resolves.toBeTruthy();
      expect(await fs.readdir(path.join(context, "package"))).toContain(`${PACKAGE}-${appVersion}.tgz`);
      const png = (file: string) => {
        const bytes = readFileSync(path.join(context, file));
        expect(bytes.subarray(1, 4).toString("latin1"), file).toBe("PNG");
        return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
      };
      expect(png("icon.png")).toEqual({ width: 128, height: 128 });
      expect(png("logo.png")).toEqual({ width: 250, height: 100 });
    });

    it("copies nothing from outside its context", async () => {
      const instructions = dockerfileInstructions(await fs.readFile(path.join(context, "Dockerfile"), "utf8"));
      const sources = instructions
        .filter((i) => i.keyword === "COPY" || i.keyword === "ADD")
        .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
      expect(sources.length).toBeGreaterThan(0);
      for (const source of sources) {
        expect(path.resolve(context, source).startsWith(context), source).toBe(true);
        await expect(fs.stat(path.join(context, source)), source).resolves.toBeTruthy();
      }
    });

    it("names its base image in FROM and carries the labels the Supervisor reads", async () => {
      const instructions = dockerfileInstructions(await fs.readFile(path.join(context, "Dockerfile"), "utf8"));
      const from = instructions.filter((i) => i.keyword === "FROM");
      // Since Supervisor 2026.04.0 no BUILD_FROM is supplied: the image must be named, not an argument.
      expect(from).toHaveLength(1);
      expect(from[0]!.args).toMatch(/^node:22(\.[\d.]+)?-alpine/);
      const labels = instructions
        .filter((i) => i.keyword === "LABEL")
        .map((i) => i.args)
        .join(" ");
      expect(labels).toContain('io.hass.type="app"');
      expect(labels).toMatch(/io\.hass\.version="\$\{BUILD_VERSION\}"/);
      expect(labels).toMatch(/io\.hass\.arch="\$\{BUILD_ARCH[^"]*\}"/);
    });

    it("is described as HA's current app documentation asks", async () => {
      const config = await fs.readFile(path.join(context, "config.yaml"), "utf8");
      const arch = /^arch:\n((?:\s+- .+\n)+)/m
        .exec(config)![1]!
        .match(/- (\S+)/g)!
        .map((a) => a.slice(2));
      expect(arch.sort()).toEqual(["aarch64", "amd64"]);
      expect(config).toMatch(/^ingress: true$/m);
      expect(config).toMatch(/^homeassistant_api: true$/m);
      expect(config).not.toMatch(/^ports:/m);
      expect(config).not.toMatch(/^image:/m);
      const repository = await fs.readFile(path.join(projectRoot, "repository.yaml"), "utf8");
      for (const key of ["name", "url", "maintainer"]) expect(repository, key).toMatch(new RegExp(`^${key}: \\S`, "m"));
    });

    it("installs the packed package with the Node-RED and Dashboard 2 the repository is tested with", async () => {
      const installed = async (name: string) =>
        JSON.parse(await fs.readFile(path.join(app(), "node_modules", name, "package.json"), "utf8")).version;
      expect(installLog).toContain(`installing ${path.join(root, "tmp", "pattern-quality", "package")}/${PACKAGE}-`);
      expect(await installed(PACKAGE)).toBe(appVersion);
      const manifest = JSON.parse(await fs.readFile(path.join(app(), "package.json"), "utf8"));
      expect(manifest.dependencies[PACKAGE]).toMatch(/^file:.*\.tgz$/);
      expect(await installed("node-red")).toBe(await lockedVersion("node-red"));
      expect(await installed("@flowfuse/node-red-dashboard")).toBe(await lockedVersion("@flowfuse/node-red-dashboard"));
    });

    it("installs the published version config.yaml names when the context holds no tarball", async () => {
      const empty = await fs.mkdtemp(path.join(work, "no-tarball-"));
      const result = installStep(empty, appVersion, path.join(empty, "target"));
      // Offline here, so npm stops before fetching; what it was asked to install is the point.
      expect(result.stdout).toContain(`installing ${PACKAGE}@${appVersion} with Node-RED`);
    });

    it("refuses to build with neither a tarball nor a version, or with two tarballs", async () => {
      const empty = await fs.mkdtemp(path.join(work, "nothing-"));
      const neither = installStep(empty, "", path.join(empty, "target"));
      expect(neither.status).toBe(1);
      expect(neither.stderr).toMatch(/no node-red-contrib-pattern-quality tarball .* run scripts\/addon-context\.js/);
      const two = await fs.mkdtemp(path.join(work, "two-"));
      for (const version of ["0.1.0", "0.2.0"]) await fs.writeFile(path.join(two, `${PACKAGE}-${version}.tgz`), "");
      const both = installStep(two, appVersion, path.join(two, "target"));
      expect(both.status).toBe(1);
      expect(both.stderr).toMatch(/more than one/);
    });

    it("is not assembled from a package whose version differs from the app's", async () => {
      const other = await fs.mkdtemp(path.join(work, "other-version-"));
      await fs.writeFile(path.join(other, "package.json"), JSON.stringify({ name: PACKAGE, version: "9.9.9" }));
      const result = spawnSync(
        process.execPath,
        [path.join(projectRoot, "scripts", "addon-context.js"), path.join(other, "context"), "--source", other],
        { encoding: "utf8" },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`the package is 9.9.9 but addon/config.yaml says ${appVersion}`);
      await expect(fs.stat(path.join(other, "context"))).rejects.toThrow();
    });
  });

  describe("its server", () => {
    it("serves the editor through ingress, its assets at paths relative to the ingress path", async () => {
      const response = await ingressGet("");
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("Node-RED");
      // An absolute path would leave the ingress prefix and miss the app.
      expect(html).not.toMatch(/(?:src|href)="\/(?!\/)/);
      const assets = [...html.matchAll(/(?:src|href)="([^"#?]+\.(?:js|css))/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThan(2);
      for (const asset of assets.slice(0, 5)) expect((await ingressGet(asset)).status, asset).toBe(200);
    });

    it("closes connections from any address but the ingress proxy's without a byte", async () => {
      expect(await exchange(port, "127.0.0.1")).toMatch(/^HTTP\/1\.1 200/);
      expect(await exchange(port, "127.0.0.2")).toBe("");
    });

    it("deploys the household flow on the first start, with the options applied", async () => {
      const flows = JSON.parse(await fs.readFile(path.join(root, "data", "node-red", "flows.json"), "utf8")) as Record<
        string,
        unknown
      >[];
      expect(flows.filter((node) => node.type === "tab").map((node) => node.label)).toEqual(["Household suggestions"]);
      const connection = flows.find((node) => node.type === "pattern-quality-ha");
      // No URL and no token: the Supervisor's, in app mode.
      expect(connection).toMatchObject({ url: "" });
      const of = (type: string) => flows.filter((node) => node.type === type);
      for (const type of ["pattern-detect", "pattern-score", "pattern-ask", "automation-create", "pattern-dashboard"])
        expect(of(type), type).toHaveLength(1);
      expect(of("pattern-ask")[0]).toMatchObject({ notifyService: `notify.${PHONE}`, asksPerDay: 3, model: MODEL });
      expect(of("automation-create")[0]).toMatchObject({ ha: connection!.id, model: MODEL, learnFate: true });
      expect(flows.filter((node) => node.d === true)).toEqual([]);
    });

    it("reaches Home Assistant through the Supervisor with its SUPERVISOR_TOKEN, for admin-only events", async () => {
      await eventually(
        async () => (home.subscriptionCount("mobile_app_notification_action") >= 1 ? true : undefined),
        "the app's subscriptions through the Supervisor",
        30_000,
      );
      expect(supervisor.appLogins).toBeGreaterThanOrEqual(1);
      expect(supervisor.refusedLogins).toBe(0);
      expect(output).not.toContain(appToken);
    });

    it("asks about the home's own routines on the phone in words within minutes of its first start", async () => {
      const questions = () => home.serviceCalls.filter((call) => call.domain === "notify" && call.service === PHONE);
      await eventually(
        async () => (questions().length > 0 ? true : undefined),
        "the first question on the phone",
        120_000,
      );
      firstQuestionMs = Date.now() - startedAt;
      console.log(`the app: first question on the phone ${(firstQuestionMs / 1000).toFixed(1)} s after its start`);
      const asked = questions().map(
        (call) => call.serviceData as { message: string; data: { actions: { title: string }[] } },
      );
      expect(asked.length).toBeLessThanOrEqual(3);
      for (const question of asked) {
        expect(question.message).toMatch(/^[A-Z][^\n]+\?\n.+ of \d+ .+/);
        expect(question.data.actions.map((action) => action.title)).toEqual(["Approve", "Reject", "Not now"]);
      }
      expect(firstQuestionMs).toBeLessThan(120_000);
    }, 150_000);

    it("keeps serving while the Supervisor is down, and subscribes again when it is back", async () => {
      const [, supervisorPort] = supervisor.address.split(":");
      await supervisor.stop();
      await eventually(
        async () => (home.subscriptionCount("mobile_app_notification_action") === 0 ? true : undefined),
        "the relayed connection to close",
        10_000,
      );
      expect((await ingressGet(`pattern-quality/${MODEL}/versions`)).status).toBe(200);
      supervisor = await SimulatedSupervisor.start({ home, appToken, port: Number(supervisorPort) });
      await eventually(
        async () => (home.subscriptionCount("mobile_app_notification_action") >= 1 ? true : undefined),
        "the subscriptions renewed through the Supervisor",
        60_000,
      );
      expect(server.exitCode).toBeNull();
    }, 90_000);

    it.skipIf(skipBrowser !== null)(
      `shows the home's suggestions on the dashboard through ingress, and one approval creates the automation${skipBrowser ? ` (skipped: ${skipBrowser})` : ""}`,
      async () => {
        const browser = await launchChromium();
        try {
          const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
          await context.addCookies([{ name: "ingress_session", value: ingress.session, url: ingress.origin }]);
          const errors: string[] = [];
          const page = await context.newPage();
          page.on("pageerror", (error) => errors.push(error.message));
          await page.goto(ingress.entry);
          // The palette is filled over the editor's websocket: it passed the proxy too.
          await page.locator('.red-ui-palette-node[data-palette-type="pattern-detect"]').waitFor({ timeout: 60_000 });
          await page.locator(".red-ui-tab-label", { hasText: "Household suggestions" }).waitFor();
          await page.goto(`${ingress.entry}dashboard/`);
          // The widget comes over Dashboard 2's socket.io connection, through the proxy as well.
          const suggestion = page.locator("li.pq-suggestion[data-suggestion]").first();
          await suggestion.waitFor({ timeout: 60_000 });
          expect(new URL(page.url()).pathname.startsWith(`${ingress.ingressPath}/dashboard/`)).toBe(true);
          const question = (await suggestion.locator(".pq-question").textContent())!;
          // In words, not by id: "Turn on Kitchen light at about 06:45 on weekdays?"
          expect(question).toMatch(/^[A-Z][a-z]+ .+\?$/);
          expect(question).not.toMatch(/routine-[0-9a-f]{12}/);
          const patternId = (await suggestion.getAttribute("data-suggestion"))!;
          const shot = path.join(await artifactsDir(), "app-dashboard-390.png");
          await page.screenshot({ path: shot, fullPage: true });

          await suggestion.getByRole("button", { name: "Approve" }).click();
          const automationId = `pattern_quality_${patternId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
          const automation = await eventually(
            async () => home.automation(automationId),
            "the automation created in Home Assistant through the Supervisor",
            30_000,
          );
          expect(automation.alias).toBe(question.replace(/\?$/, ""));
          expect(supervisor.restCalls).toContain(`POST config/automation/config/${automationId}`);
          await page.locator(`li[data-answered="${patternId}"]`).waitFor({ timeout: 30_000 });
          expect(errors).toEqual([]);
        } finally {
          await browser.close();
        }
      },
      120_000,
    );

    it("stops on SIGTERM before the Supervisor would kill it", async () => {
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
      server.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(SUPERVISOR_STOP_TIMEOUT_MS);
    }, 30_000);

    it("applies the options changed in its configuration on the next start: mining and creating turned off", async () => {
      const optionsFile = path.join(root, "data", "options.json");
      const options = JSON.parse(await fs.readFile(optionsFile, "utf8"));
      await fs.writeFile(optionsFile, JSON.stringify({ ...options, mine_routines: false, create_automations: false }));
      await startServer();
      expect(output).toContain("options applied: mining routines off, creating automations off");
      const flows = JSON.parse(await fs.readFile(path.join(root, "data", "node-red", "flows.json"), "utf8")) as Record<
        string,
        unknown
      >[];
      const disabled = flows.filter((node) => node.d === true).map((node) => node.type);
      expect(disabled.sort()).toEqual(["automation-create", "pattern-detect"]);
      // The phone, unchanged in the options, stays as it was.
      expect(flows.find((node) => node.type === "pattern-ask")).toMatchObject({ notifyService: `notify.${PHONE}` });
    }, 90_000);
  });
});
