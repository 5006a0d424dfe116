// The pattern-dashboard widget as Dashboard 2 loads it: a UMD bundle (vue external, the page's
// own Vue) exporting the component by the name package.json's node-red-dashboard-2 section gives.
// It talks to Node-RED only over the dashboard's own socket.io connection (so it works wherever
// the page does, behind Home Assistant's ingress too): snapshots come in as the widget's
// messages, button presses go out as widget actions.
import {
  defineComponent,
  h,
  inject,
  onBeforeUnmount,
  onMounted,
  type PropType,
  ref,
  shallowRef,
  Teleport,
  type VNode,
} from "vue";
import type { DashboardAction } from "../../nodes/pattern-dashboard/actions";
import type { DashboardNotice, DashboardSnapshot, ModelView } from "../../nodes/pattern-dashboard/snapshot";
import { accuracyChart } from "./chart";
import {
  activationsSection,
  alertsSection,
  modelSection,
  peopleSection,
  type SectionContext,
  suggestionsSection,
  untilResumed,
  versionsSection,
} from "./sections";
import { addStyles } from "./style";
import { suggestionBookSection } from "./suggestions";
import type { SuggestionAction } from "../../nodes/pattern-dashboard/suggestions";

/** The dashboard's socket.io client, as far as the widget uses it. */
interface DashboardSocket {
  id?: string;
  emit(event: string, ...args: unknown[]): void;
}

/** A message from the widget's node: the snapshot, and a notice for the page that acted. */
interface WidgetMessage {
  payload?: DashboardSnapshot;
  notice?: DashboardNotice;
}

/** Dashboard 2's subscription to a widget's messages: on input, on (re)load, and dynamic properties. */
type DataTracker = (
  id: string,
  onInput: (msg: WidgetMessage) => void,
  onLoad: (msg: WidgetMessage | undefined) => void,
  onDynamicProperties: null,
) => void;

type Switch = DashboardAction & { version: string };

/** The widget: the model's versions with their own figures and buttons, its alerts, accuracy and suggestions. */
export const PatternDashboard = defineComponent({
  name: "PatternDashboard",
  props: {
    // Dashboard 2 passes these to every widget component.
    id: { type: String, required: true },
    props: { type: Object as PropType<Record<string, unknown>>, default: () => ({}) },
    state: { type: Object as PropType<Record<string, unknown>>, default: () => ({}) },
  },
  setup(props) {
    addStyles();
    const socket = inject<DashboardSocket | null>("$socket", null);
    const track = inject<DataTracker | null>("$dataTracker", null);
    const snapshot = shallowRef<DashboardSnapshot | null>(null);
    const notice = ref<{ level: DashboardNotice["level"]; text: string; at: string } | null>(null);
    const confirming = ref<Switch | null>(null);
    const busy = ref<DashboardAction["action"] | null>(null);
    const answering = ref<string | null>(null);
    // The chart is drawn at the card's width (its text stays 9–10 px whatever the card).
    const root = ref<HTMLElement | null>(null);
    const cardWidth = ref(360);
    let resizing: ResizeObserver | null = null;
    onMounted(() => {
      if (!root.value || typeof ResizeObserver === "undefined") return;
      resizing = new ResizeObserver((entries) => {
        const width = entries[0]?.contentRect.width;
        if (width && Math.abs(width - cardWidth.value) >= 1) cardWidth.value = width;
      });
      resizing.observe(root.value);
    });
    onBeforeUnmount(() => resizing?.disconnect());

    const receive = (msg: WidgetMessage | undefined) => {
      if (msg?.payload) snapshot.value = msg.payload;
      const answer = msg?.notice;
      // A notice answers one page's press; the other pages only take the new snapshot.
      if (answer && (answer.to === null || answer.to === socket?.id)) {
        notice.value = { level: answer.level, text: answer.text, at: new Date().toISOString() };
        busy.value = null;
        answering.value = null;
      }
    };
    track?.(props.id, receive, receive, null);

    const press = (action: DashboardAction) => {
      if (!socket || busy.value) return;
      busy.value = action.action;
      notice.value = null;
      socket.emit("widget-action", props.id, { payload: action });
    };
    /** A suggestion's button: one press at a time, so a double tap sends one answer. */
    const answer = (action: SuggestionAction) => {
      if (!socket || answering.value || busy.value) return;
      answering.value = action.patternId;
      notice.value = null;
      socket.emit("widget-action", props.id, { payload: action });
    };
    const context = (): SectionContext => ({
      busy: busy.value,
      press,
      confirm: (action) => {
        confirming.value = action;
      },
    });

    const dialog = (action: Switch, holdUntil: ModelView["holdUntil"]): VNode => {
      const confirmText =
        action.action === "rollback" ? `Roll back to ${action.version}` : `Activate ${action.version}`;
      const close = () => {
        confirming.value = null;
      };
      return h(
        "div",
        { class: "pq-overlay", onClick: (event: Event) => event.target === event.currentTarget && close() },
        [
          h(
            "div",
            { class: "pq-dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": `${props.id}-confirm` },
            [
              h("h3", { id: `${props.id}-confirm` }, `${confirmText}?`),
              h(
                "p",
                `${action.version} becomes the live model at once. Automatic updates are then held there: ` +
                  `new versions are still trained and judged, but none goes live ${untilResumed(holdUntil)}.`,
              ),
              h("div", { class: "pq-row" }, [
                h("button", { type: "button", class: "pq-btn pq-quiet", onClick: close }, "Cancel"),
                h(
                  "button",
                  {
                    type: "button",
                    class: "pq-btn",
                    onClick: () => {
                      close();
                      press(action);
                    },
                  },
                  confirmText,
                ),
              ]),
            ],
          ),
        ],
      );
    };

    return () => {
      const current = snapshot.value;
      const children: Array<VNode | null> = [];
      // A hold ended by a better version since the notice was given (say "Rolled back to v0006:
      // automatic updates are held there") replaces it at the top: the notice no longer holds.
      const ended = current?.model?.holdEnded;
      if (ended && (!notice.value || notice.value.at < ended.at)) {
        children.push(h("div", { class: "pq-notice pq-success pq-hold-ended", role: "status" }, ended.text));
      } else if (notice.value) {
        children.push(
          h("div", { class: `pq-notice pq-${notice.value.level}`, role: "status" }, [
            h("span", notice.value.text),
            " ",
            h("button", { type: "button", class: "pq-btn pq-quiet", onClick: () => (notice.value = null) }, "OK"),
          ]),
        );
      }
      if (!current) {
        children.push(h("p", { class: "pq-muted" }, "Loading the pattern model…"));
      } else if (current.problem || !current.model || !current.feed) {
        children.push(h("p", { class: "pq-notice pq-error", role: "alert" }, current.problem ?? "No pattern model."));
      } else {
        const sections = context();
        children.push(
          suggestionBookSection(current.suggestions, { busy: answering.value, press: answer }),
          modelSection(current.model, sections),
          versionsSection(current.versions, sections),
          h("section", { class: "pq-section pq-chart" }, [
            h("h3", "Recent accuracy over the feedback"),
            accuracyChart(current.feed, cardWidth.value),
          ]),
          alertsSection(current.feed),
          activationsSection(current.activations),
          suggestionsSection(current.decisions.scored),
        );
        children.push(peopleSection(current.decisions.people));
      }
      // On the page's body: no group or card around the widget can clip or shift the dialog.
      const holdUntil = current?.model?.holdUntil ?? "better";
      if (confirming.value) children.push(h(Teleport, { to: "body" }, [dialog(confirming.value, holdUntil)]));
      return h("div", { class: "pq-dash", ref: root, "data-busy": busy.value ?? undefined }, children);
    };
  },
});
