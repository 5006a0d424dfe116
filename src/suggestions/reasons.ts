// A score's reasons as a household reads them. The model names features ("calibrated confidence
// 76 % +0.06", "not a time-of-day pattern"): true, but jargon. Here each becomes what it says
// about the routine, and which way it pushed: "Done regularly (76 %): speaks for it".

/** One reason as pattern-score gives it: the feature, its value, its signed pull, its value in words. */
export interface ReasonInput {
  feature: string;
  value: number;
  contribution: number;
  label?: string;
}

const PHRASES: Readonly<Record<string, (value: number) => string>> = {
  pattern_type_time_of_day: (v) => (v ? "Happens at a time of day" : "Not tied to a time of day"),
  pattern_type_co_occurrence: (v) => (v ? "One thing follows another" : "Not one thing after another"),
  confidence_raw: (v) => `Done regularly (${percent(v)} of the time)`,
  confidence_calibrated: (v) => `Done regularly (${percent(v)} of the time)`,
  confidence_normalized: (v) => `Done regularly (${percent(v)} of the time)`,
  device_count_total: (v) => (v === 1 ? "Involves one device" : `Involves ${round(v)} devices`),
  device_count_unique: (v) => (v === 1 ? "Involves one device" : `Involves ${round(v)} devices`),
  area_count: (v) => (v <= 1 ? "In one room" : `Spans ${round(v)} rooms`),
  occurrence_count_total: (v) => `Done by hand ${round(v)} times`,
  occurrence_frequency: (v) => (v >= 1 ? `Done about ${round(v)} times a day` : "Done less than daily"),
  occurrence_trend_direction: (v) =>
    v > 0 ? "Done more and more often" : v < 0 ? "Done less and less often" : "Done as often as before",
  recency_days: (v) => (v < 1 ? "Done today" : `Last done ${Math.round(v)} days ago`),
  age_days: (v) => `First seen ${Math.round(v)} days ago`,
  time_span_days: (v) => `Seen over ${Math.round(v)} days`,
};

/** A reason in plain words, with the way it pulled: "Done regularly (76 % of the time): speaks for it". */
export function plainReason(reason: ReasonInput): string {
  const phrase = PHRASES[reason.feature]?.(reason.value) ?? capitalise(reason.label ?? reason.feature);
  const pull = reason.contribution > 0 ? "speaks for it" : reason.contribution < 0 ? "speaks against it" : "no effect";
  return `${phrase}: ${pull}`;
}

/** The reasons of a score in plain words, strongest first; anything malformed is left out. */
export function plainReasons(reasons: unknown): string[] {
  if (!Array.isArray(reasons)) return [];
  return reasons
    .filter(
      (r): r is ReasonInput =>
        typeof r === "object" &&
        r !== null &&
        typeof (r as ReasonInput).feature === "string" &&
        typeof (r as ReasonInput).value === "number" &&
        typeof (r as ReasonInput).contribution === "number",
    )
    .map(plainReason);
}

function percent(value: number): string {
  return `${Math.round(Math.min(Math.max(value, 0), 1) * 100)} %`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
