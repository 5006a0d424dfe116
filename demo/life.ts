import type { HomeAssistantSimulator } from "../src/testing/ha-simulator/simulator";
import type { GeneratedHome } from "../src/testing/simulation/home-history";
import { MINE_PATH } from "./flows";
import { PHONE } from "./home-assistant";
import { answerFor, kindOf, TASTE_WORDS, wants } from "./household";
import { DailyLife, OPPOSITE } from "./daily-life";
import { type HouseholdState, saveState } from "./state";

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Simulated minutes per step of the clock: an automation's run and a person's undo fall within one step or two. */
const STEP_MINUTES = 5;
/** What create automation puts before a suggestion's id to make the automation's id. */
const AUTOMATION_PREFIX = "pattern_quality_";

/** A question seen on the phone, answered at the next step. */
interface Question {
  patternId: string;
  message: string;
}

/**
 * The simulated household living in the simulator's home, faster than real time (a simulated
 * day every `daySeconds`): each step moves the clock 5 simulated minutes on (automations run at
 * their time), answers the questions its phone received by its hidden taste, undoes by hand (or
 * turns off) the automations it regrets, and starts each simulated day's mining. Its taste,
 * answers and automations are kept in DEMO_DIR after each simulated day and on stop.
 */
export class HouseholdLife {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private seenCalls = 0;
  private readonly questions: Question[] = [];
  private readonly entities = new Map<string, string>();
  private lastScan: number;
  private member = 0;
  private readonly members: { id: string; name: string }[];
  private readonly daily: DailyLife;

  constructor(
    private readonly options: {
      simulator: HomeAssistantSimulator;
      home: GeneratedHome;
      state: HouseholdState;
      dir: string;
      haUrl: string;
      haToken: string;
      nodeRedUrl: string;
      daySeconds: number;
      tasteChangeAfter: number;
      say: (line: string) => void;
    },
  ) {
    this.lastScan = options.simulator.now().getTime() / 1000;
    this.members = options.home.people
      .filter((p): p is typeof p & { userId: string } => typeof p.userId === "string")
      .map((p) => ({ id: p.userId, name: p.name }));
    this.daily = new DailyLife(options.simulator, options.home, options.state.seed);
  }

  /** User id → name, for the terminal. */
  get names(): Map<string, string> {
    return new Map(this.options.home.users.map((u) => [u.id, u.name]));
  }

  /** "day 3 07:15", the simulated time. */
  when(at: number = this.options.simulator.now().getTime()): string {
    const day = Math.floor((at - Date.parse(this.options.state.homeEnd)) / DAY_MS) + 1;
    return `day ${day} ${new Date(at).toISOString().slice(11, 16)}`;
  }

  /** Starts living; a step every `daySeconds / 288` real seconds. */
  start(): void {
    const stepMs = (this.options.daySeconds * 1000 * STEP_MINUTES) / (24 * 60);
    this.daily.startAt(this.options.simulator.now().getTime());
    const tick = () => {
      if (this.stopped) return;
      this.step()
        .catch((error: unknown) => this.options.say(`household: ${(error as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, stepMs);
        });
    };
    this.timer = setTimeout(tick, stepMs);
  }

  /** Stops after the step in progress and keeps the state. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.save();
  }

  private async save(): Promise<void> {
    this.options.state.clock = this.options.simulator.now().toISOString();
    await saveState(this.options.dir, this.options.state);
  }

  private async step(): Promise<void> {
    const { simulator, state } = this.options;
    this.answerQuestions();
    this.readPhone();
    const before = simulator.now().getTime();
    simulator.advanceClock(STEP_MINUTES * MINUTE_MS);
    this.daily.live(before, simulator.now().getTime());
    await this.keepAutomations();
    this.watchRuns();
    const day = Math.floor((simulator.now().getTime() - Date.parse(state.homeEnd)) / DAY_MS);
    if (day > Math.floor((before - Date.parse(state.homeEnd)) / DAY_MS)) {
      state.day = day;
      this.turnOffUnwanted();
      await this.save();
      this.options.say(`-- ${this.when()}: a new simulated day; mining the logbook --`);
      await fetch(`${this.options.nodeRedUrl}${MINE_PATH}`, { method: "POST", signal: AbortSignal.timeout(5_000) });
    }
  }

  /** The phone's new notifications: questions with Approve / Reject / Not now. */
  private readPhone(): void {
    const calls = this.options.simulator.serviceCalls;
    for (; this.seenCalls < calls.length; this.seenCalls++) {
      const call = calls[this.seenCalls]!;
      if (call.domain !== "notify" || call.service !== PHONE) continue;
      const data = call.serviceData as { message?: string; data?: { actions?: { action: string }[] } };
      const approve = data.data?.actions?.find((a) => a.action.startsWith("PATTERN_APPROVE_"));
      if (!approve || typeof data.message !== "string") continue;
      this.questions.push({ patternId: approve.action.slice("PATTERN_APPROVE_".length), message: data.message });
    }
  }

  /** Answers each question read at the step before, by the taste, as one of the household on their phone. */
  private answerQuestions(): void {
    const { simulator, state } = this.options;
    for (const question of this.questions.splice(0)) {
      const first = !state.asked.includes(question.patternId);
      if (first) state.asked.push(question.patternId);
      const answer = answerFor(state.taste, state.seed, question.patternId, question.message, first);
      if (answer === "approve" && !wants(state.taste, kindOf(question.message))) state.regrets.push(question.patternId);
      const member = this.members[this.member++ % Math.max(1, this.members.length)];
      simulator.fireEvent(
        "mobile_app_notification_action",
        { action: `PATTERN_${answer.toUpperCase()}_${question.patternId}` },
        { origin: "REMOTE", ...(member ? { userId: member.id } : {}) },
      );
      state.answers += 1;
      if (state.answers === this.options.tasteChangeAfter && state.taste === "sequences-and-weekdays") {
        state.taste = "every-day";
        this.options.say(
          `-- after ${state.answers} answers the household's taste changes: it ${TASTE_WORDS[state.taste]} --`,
        );
      }
    }
  }

  /** Whether the household no longer wants a created automation: approved by mistake, or no longer to its taste. */
  private unwanted(patternId: string, alias: string): boolean {
    const { state } = this.options;
    return state.regrets.includes(patternId) || !wants(state.taste, kindOf(alias));
  }

  /** Once a day, one created automation the household no longer wants is turned off in the app (a reject, unless one was learned already). */
  private turnOffUnwanted(): void {
    const { simulator, state, say } = this.options;
    for (const [entityId, patternId] of this.entities) {
      const kept = state.automations.find((a) => a.id === `${AUTOMATION_PREFIX}${patternId}`);
      const alias = String(kept?.config.alias ?? "");
      if (!kept || kept.off || !this.unwanted(patternId, alias)) continue;
      const member = this.members[this.member++ % Math.max(1, this.members.length)];
      if (!state.undone.includes(patternId)) state.undone.push(patternId);
      kept.off = true;
      simulator.setState(entityId, "off", {}, member?.id);
      say(`${this.when()} ${member?.name ?? "someone"} turned off the automation "${alias}": no longer wanted`);
      return;
    }
  }

  /** The automations created from suggestions (approved on the phone or the dashboard), kept for a restart with their on/off state. */
  private async keepAutomations(): Promise<void> {
    const { simulator, state, haUrl, haToken } = this.options;
    const response = await fetch(`${haUrl}/api/states`, { headers: { authorization: `Bearer ${haToken}` } });
    if (!response.ok) return;
    const states = (await response.json()) as { entity_id: string; state: string; attributes?: { id?: unknown } }[];
    for (const s of states) {
      const id = s.attributes?.id;
      if (!s.entity_id.startsWith("automation.") || typeof id !== "string" || !id.startsWith(AUTOMATION_PREFIX))
        continue;
      this.entities.set(s.entity_id, id.slice(AUTOMATION_PREFIX.length));
      let kept = state.automations.find((a) => a.id === id);
      if (kept === undefined) {
        const config = simulator.automation(id);
        if (config === undefined) continue;
        kept = { id, config, off: false };
        state.automations.push(kept);
      }
      kept.off = s.state === "off";
    }
  }

  /**
   * The created automations' runs since the last step, from the logbook; the first run of one the
   * household does not want (approved by mistake, or no longer to its taste) is undone by hand at
   * the wall switch within minutes.
   */
  private watchRuns(): void {
    const { simulator, state, say } = this.options;
    const now = simulator.now().getTime() / 1000;
    const rows = simulator.logbook(this.lastScan, now + 1);
    this.lastScan = now;
    for (const row of rows) {
      if (row.context_event_type !== "automation_triggered" || typeof row.entity_id !== "string") continue;
      const patternId = this.entities.get(String(row.context_entity_id));
      if (patternId === undefined || typeof row.state !== "string") continue;
      const name = String(row.context_name ?? row.context_entity_id);
      // A scene's state is the time it was activated.
      const to = row.entity_id.startsWith("scene.") ? "activated" : row.state;
      say(`${this.when(Number(row.when) * 1000)} automation "${name}" ran: ${row.entity_id} → ${to}`);
      const kept = state.automations.find((a) => a.id === `${AUTOMATION_PREFIX}${patternId}`);
      if (!kept || !this.unwanted(patternId, name) || state.undone.includes(patternId)) continue;
      state.undone.push(patternId);
      const back = OPPOSITE[row.state];
      if (back === undefined) continue;
      simulator.actAs({ by: "wall" }, row.entity_id, back);
      say(`${this.when()} the household undid it by hand at the wall switch: ${row.entity_id} → ${back}`);
    }
  }
}
