// Words for a feature's value, so a person reads why a pattern scored as it did ("seen 2 days
// ago", "3 devices") rather than `recency_days = 2.04`. One function per standard pattern feature
// (see pattern-features.ts for how a pattern becomes them); other features read `name = value`.

/** A feature's value in words. */
export type FeatureLabel = (value: number) => string;

/** A number as a person writes it: at most two decimals, no trailing zeros. */
function number(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** `count` things, with the noun in the singular for one and "no" for none. */
function counted(value: number, one: string, many: string): string {
  if (value === 0) return `no ${many}`;
  return `${number(value)} ${value === 1 ? one : many}`;
}

/** A share of 0…1 as a percentage; anything outside that range as the number itself. */
function percent(value: number): string {
  return value >= 0 && value <= 1 ? `${Math.round(value * 100)} %` : number(value);
}

/** A duration in days, in the unit a person would use. */
function duration(days: number): string {
  if (days < 1 / 24) return "less than an hour";
  if (days < 1) {
    const hours = Math.round(days * 24);
    return hours === 1 ? "1 hour" : `${hours} hours`;
  }
  const whole = Math.round(days);
  return whole === 1 ? "1 day" : `${whole} days`;
}

function kind(name: string): FeatureLabel {
  // "an anomaly pattern", "a synergy pattern": the article follows the sound of the first letter.
  const article = /^[aeiou]/i.test(name) ? "an" : "a";
  return (value) => (value ? `${article} ${name} pattern` : `not ${article} ${name} pattern`);
}

function yesNo(yes: string, no: string): FeatureLabel {
  return (value) => (value ? yes : no);
}

/** The words for each of the 25 standard pattern features, by feature name. */
export const STANDARD_FEATURE_LABELS: Readonly<Record<string, FeatureLabel>> = Object.freeze({
  pattern_type_time_of_day: kind("time-of-day"),
  pattern_type_co_occurrence: kind("co-occurrence"),
  pattern_type_anomaly: kind("anomaly"),
  pattern_type_seasonal: kind("seasonal"),
  pattern_type_synergy: kind("synergy"),
  confidence_raw: (value) => `detector confidence ${percent(value)}`,
  confidence_calibrated: (value) => `calibrated confidence ${percent(value)}`,
  confidence_normalized: (value) => `confidence ${percent(value)}`,
  device_count_total: (value) => counted(value, "device", "devices"),
  device_count_unique: (value) => counted(value, "distinct device", "distinct devices"),
  area_count: (value) => counted(value, "area", "areas"),
  device_count_per_area: (value) => `${number(value)} ${value === 1 ? "device" : "devices"} per area`,
  occurrence_count_total: (value) =>
    value === 0 ? "never observed" : value === 1 ? "observed once" : `observed ${number(value)} times`,
  occurrence_frequency: (value) => {
    if (value <= 0) return "never observed";
    if (value >= 1) return value === 1 ? "once a day" : `${number(value)} times a day`;
    return `once every ${duration(1 / value)}`;
  },
  occurrence_trend_direction: (value) =>
    value > 0 ? "happening more often" : value < 0 ? "happening less often" : "happening as often as before",
  occurrence_trend_strength: (value) => `trend strength ${percent(value)}`,
  time_span_days: (value) => `observed over ${duration(value)}`,
  recency_days: (value) => (value < 1 / 24 ? "seen within the hour" : `seen ${duration(value)} ago`),
  age_days: (value) => (value < 1 / 24 ? "first seen within the hour" : `first seen ${duration(value)} ago`),
  metadata_complexity: (value) => counted(value, "metadata field", "metadata fields"),
  metadata_has_conditions: yesNo("has conditions", "no conditions"),
  metadata_has_actions: yesNo("has actions", "no actions"),
  is_deprecated: yesNo("deprecated", "not deprecated"),
  needs_review: yesNo("needs review", "no review needed"),
  calibrated: yesNo("confidence calibrated", "confidence not calibrated"),
});

/** A feature's value in words: the standard feature's own words, else `name = value`. */
export function featureLabel(name: string, value: number): string {
  const label = Object.hasOwn(STANDARD_FEATURE_LABELS, name) ? STANDARD_FEATURE_LABELS[name] : undefined;
  return label ? label(value) : `${name} = ${number(value)}`;
}
