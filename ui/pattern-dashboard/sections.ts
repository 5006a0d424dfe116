// The widget's sections, each a function of the snapshot the runtime sent: the model's state and
// hold, the versions with their buttons, the activation history, the alerts and the suggestions.
import { h, type VNode } from "vue";
import type { DashboardAction } from "../../nodes/pattern-dashboard/actions";
import type { DashboardSnapshot, ModelView, VersionView } from "../../nodes/pattern-dashboard/snapshot";
import type { FeedView } from "../../src/model/dashboard-feed";
import { percentOfShare, percentWithCount, signed, when } from "./format";

/** What the sections need besides the snapshot. */
export interface SectionContext {
  /** The press being carried out, while it is: every button waits for it. */
  busy: DashboardAction["action"] | null;
  press(action: DashboardAction): void;
  /** Asks the person to confirm a switch to a version before it is pressed. */
  confirm(action: DashboardAction & { version: string }): void;
}

function button(text: string, onClick: () => void, context: SectionContext, quiet = false): VNode {
  const attributes = { type: "button", class: quiet ? "pq-btn pq-quiet" : "pq-btn", disabled: context.busy !== null };
  return h("button", { ...attributes, onClick }, text);
}

/** How long a person's switch holds automatic updates, in words. */
export function untilResumed(holdUntil: ModelView["holdUntil"]): string {
  return holdUntil === "resume" ? "until you resume" : "until you resume or one proves better";
}

function badge(text: string, extra = ""): VNode {
  return h("span", { class: `pq-badge ${extra}` }, text);
}

/** The model's state: active version, accuracy, the trial, the hold with Resume, and Retrain now. */
export function modelSection(model: ModelView, context: SectionContext): VNode {
  const { trial, hold } = model;
  const lines: VNode[] = [
    h("div", { class: "pq-row pq-spread" }, [
      h("h3", model.activeVersion ? `Active version: ${model.activeVersion}` : "No version yet: waiting for feedback"),
      button(model.updating ? "Updating…" : "Retrain now", () => context.press({ action: "retrain" }), context, true),
    ]),
    h("p", { class: "pq-figures" }, [
      h("span", `Recent accuracy ${percentOfShare(model.recentAccuracy)}`),
      h(
        "span",
        `Active version live ${percentOfShare(model.activeLive?.accuracy)} (${model.activeLive?.samples ?? 0})`,
      ),
      h("span", `${model.feedbackCount} answers stored`),
      h("span", `${model.pending} since the last update`),
    ]),
  ];
  if (trial) {
    lines.push(
      h(
        "p",
        { class: "pq-muted" },
        `${trial.version} on trial beside ${trial.against ?? "no version"}: ${trial.verdict.message}` +
          (trial.waiting ? `; ${trial.waiting} waits for its turn` : ""),
      ),
    );
  }
  if (hold) {
    lines.push(
      h("div", { class: "pq-hold pq-row pq-spread", role: "status" }, [
        h(
          "p",
          `Automatic updates are held at ${hold.version} since ${when(hold.since)}, by ${hold.by} (${hold.reason}): ` +
            `new versions are judged but none goes live ${untilResumed(model.holdUntil)}.`,
        ),
        button("Resume automatic updates", () => context.press({ action: "resume" }), context),
      ]),
    );
  }
  return h("section", { class: "pq-section" }, [h("h2", { class: "pq-name pq-muted" }, model.name), ...lines]);
}

/** The versions, newest first, each with its own figures and a Rollback (or Activate) button. */
export function versionsSection(versions: VersionView[], context: SectionContext): VNode {
  const activeIndex = versions.findIndex((row) => row.active);
  const items = versions.map((row, index) => {
    // Newest first: a version below the active one is older (roll back to it), one above is newer.
    const action = activeIndex >= 0 && index > activeIndex ? "rollback" : "activate";
    const badges = [
      row.active ? badge("active") : null,
      row.held ? badge("held", "pq-held") : null,
      row.pinned ? badge("pinned") : null,
      row.onTrial ? badge("on trial") : null,
    ].filter((b): b is VNode => b !== null);
    const controls = row.active
      ? null
      : button(
          action === "rollback" ? "Rollback" : "Activate",
          () => context.confirm({ action, version: row.id }),
          context,
        );
    return h("li", { class: row.active ? "pq-version pq-is-active" : "pq-version", "data-version": row.id }, [
      h("div", [
        h("div", { class: "pq-row" }, [h("span", { class: "pq-id" }, row.id), ...badges]),
        h("p", { class: "pq-muted" }, `${row.kind} · created ${when(row.created)}`),
        h("p", { class: "pq-figures" }, [
          h("span", `Trial ${percentWithCount(row.evaluatedAccuracy, row.evaluatedOn)}`),
          h("span", `Live ${percentWithCount(row.liveAccuracy, row.liveOn)}`),
        ]),
        // Its verdict, or why it has none: a version is never offered without saying it was never judged.
        h("p", { class: "pq-muted pq-verdict" }, row.verdict),
      ]),
      controls,
    ]);
  });
  return h("section", { class: "pq-section" }, [
    h("h3", "Versions"),
    h("p", { class: "pq-muted" }, "Trial: on answers it had not learned. Live: while it was active. (answers)"),
    items.length ? h("ul", items) : h("p", { class: "pq-muted" }, "No version yet."),
  ]);
}

/** Who switched which version when, newest first. */
export function activationsSection(activations: DashboardSnapshot["activations"]): VNode {
  const items = activations.map((record) =>
    h("li", { class: "pq-item" }, [
      h("span", { class: "pq-dot" }),
      h("div", [
        h("p", [h("strong", `${record.from ?? "none"} → ${record.to}`), ` · ${record.reason}`]),
        h("p", { class: "pq-muted" }, `by ${record.by} · ${when(record.at)}`),
      ]),
    ]),
  );
  return h("section", { class: "pq-section" }, [
    h("h3", "Activation history"),
    items.length ? h("ul", items) : h("p", { class: "pq-muted" }, "No activation yet."),
  ]);
}

/** The alerts raised since the feed started, newest first, with how often each came. */
export function alertsSection(feed: FeedView): VNode {
  const items = feed.alerts.map((alert) =>
    h("li", { class: `pq-item pq-sev-${alert.severity}`, "data-alert": alert.type }, [
      h("span", { class: "pq-dot" }),
      h("div", [
        h("p", [h("strong", alert.type), ` ${alert.message}`]),
        h("p", { class: "pq-muted" }, [
          alert.count > 1 ? h("span", { class: "pq-count" }, `×${alert.count} · `) : null,
          alert.count > 1 ? `first ${when(alert.firstAt)}, last ${when(alert.lastAt)}` : when(alert.lastAt),
        ]),
      ]),
    ]),
  );
  return h("section", { class: "pq-section" }, [
    h("h3", "Alerts"),
    items.length ? h("ul", items) : h("p", { class: "pq-muted" }, `No alert since ${when(feed.since)}.`),
  ]);
}

/** The latest scored suggestions with their score, their reasons when scored with them, and the answer once given. */
export function suggestionsSection(scored: DashboardSnapshot["decisions"]["scored"]): VNode {
  const items = scored.map((suggestion) => {
    const decision = suggestion.decision;
    const answer = decision
      ? ` · answered: ${decision.label}${decision.user ? ` by ${decision.name ?? decision.user}` : ""}`
      : " · not answered yet";
    return h("li", { class: `pq-item pq-${suggestion.label}`, "data-pattern": suggestion.patternId }, [
      h("span", { class: "pq-dot" }),
      h("div", [
        h("p", [h("strong", suggestion.patternId), ` · ${percentOfShare(suggestion.score)} approve`]),
        suggestion.reasons?.length
          ? h(
              "p",
              { class: "pq-reasons" },
              suggestion.reasons.map((reason) => h("span", `${reason.label} ${signed(reason.contribution)}`)),
            )
          : null,
        h(
          "p",
          { class: "pq-muted" },
          `scored by ${suggestion.version ?? "an untrained model"} · ${when(suggestion.scoredAt)}${answer}`,
        ),
      ]),
    ]);
  });
  return h("section", { class: "pq-section" }, [
    h("h3", "Latest scored suggestions"),
    items.length ? h("ul", items) : h("p", { class: "pq-muted" }, "No pattern scored since the model opened."),
  ]);
}

/** How each person decided, over all stored answers. */
export function peopleSection(people: DashboardSnapshot["decisions"]["people"]): VNode | null {
  if (people.length === 0) return null;
  const items = people.map((person) =>
    h("li", { class: "pq-item" }, [
      h("span", { class: "pq-dot" }),
      h("div", { class: "pq-row pq-spread" }, [
        h("strong", person.name ?? person.user ?? "not recorded"),
        h("span", `${person.approved} approved · ${person.rejected} rejected · last ${when(person.lastDecidedAt)}`),
      ]),
    ]),
  );
  return h("section", { class: "pq-section" }, [h("h3", "Decisions per person"), h("ul", items)]);
}
