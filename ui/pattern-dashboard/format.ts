// How the widget writes numbers and times: in the browser's language and time zone.

/** "84.2 %" from a share (0…1), or "–" when there is none. */
export function percentOfShare(share: number | null | undefined): string {
  return typeof share === "number" && Number.isFinite(share) ? `${(share * 100).toFixed(1)} %` : "–";
}

/** "84.2 % (50)" from a percentage already computed (the version rows carry percentages) and its sample count. */
export function percentWithCount(percent: number | null, samples: number): string {
  return percent === null ? "–" : `${percent.toFixed(1)} % (${samples})`;
}

/** A time as people read it: the clock alone today, with the date otherwise. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "–";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : date.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

/** "+0.12" / "−0.05": a signed contribution to a score. */
export function signed(value: number): string {
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)}`;
}
