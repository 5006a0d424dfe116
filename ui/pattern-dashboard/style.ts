// The widget's styles, added to the page once. Colours come from the dashboard's theme (the
// Vuetify variables Dashboard 2 sets), so the widget looks like the widgets around it. Every row
// wraps instead of growing sideways: at 390 px nothing needs horizontal scrolling.

const STYLE_ID = "pattern-dashboard-style";

const CSS = `
.pq-dash { display: flex; flex-direction: column; gap: 18px; width: 100%; min-width: 0; font-size: 14px;
  line-height: 1.45; overflow-wrap: anywhere; }
.pq-dash *, .pq-overlay * { box-sizing: border-box; }
.pq-dash h3 { font-size: 15px; font-weight: 600; margin: 0 0 6px; }
.pq-dash ul { list-style: none; margin: 0; padding: 0; }
.pq-dash p { margin: 0; }
.pq-row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.pq-spread { justify-content: space-between; }
.pq-btn { min-height: 36px; padding: 6px 14px; border-radius: 4px; font: inherit; font-weight: 500; cursor: pointer;
  max-width: 100%; border: 1px solid rgb(var(--v-theme-primary, 31,111,92));
  background: rgb(var(--v-theme-primary, 31,111,92)); color: rgb(var(--v-theme-on-primary, 255,255,255)); }
.pq-btn.pq-quiet { background: transparent; color: rgb(var(--v-theme-primary, 31,111,92)); }
.pq-btn:disabled { opacity: 0.55; cursor: default; }
.pq-badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 500;
  background: rgba(var(--v-theme-primary, 31,111,92), 0.14); }
.pq-badge.pq-held { background: rgba(178,106,0,0.18); }
.pq-muted { opacity: 0.75; font-size: 12.5px; }
.pq-version { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 2px 12px; align-items: center;
  padding: 8px 6px; border-top: 1px solid rgba(128,128,128,0.25); }
.pq-version.pq-is-active { background: rgba(var(--v-theme-primary, 31,111,92), 0.07); }
.pq-version .pq-id { font-weight: 600; }
.pq-figures { display: flex; flex-wrap: wrap; gap: 0 14px; font-size: 13px; }
.pq-hold-ended { border-left: 4px solid #1f6f5c; padding: 6px 10px; }
.pq-hold { border-left: 4px solid #b26a00; background: rgba(178,106,0,0.09); padding: 8px 10px; }
.pq-notice { padding: 8px 10px; border-radius: 4px; }
.pq-notice.pq-error { background: rgba(176,0,32,0.1); }
.pq-notice.pq-success { background: rgba(31,111,92,0.12); }
.pq-item { display: grid; grid-template-columns: 10px minmax(0, 1fr); gap: 0 8px; padding: 6px 0;
  border-top: 1px solid rgba(128,128,128,0.2); }
.pq-dot { width: 10px; height: 10px; border-radius: 50%; margin-top: 5px; background: #1976d2; }
.pq-sev-warning .pq-dot { background: #d98c00; }
.pq-sev-error .pq-dot { background: #c62828; }
.pq-approve .pq-dot { background: #2e7d32; }
.pq-reject .pq-dot { background: #c62828; }
.pq-count { font-weight: 600; }
.pq-reasons { display: flex; flex-wrap: wrap; gap: 0 12px; font-size: 12.5px; }
.pq-chart-svg { width: 100%; height: auto; display: block; }
.pq-chart-svg .pq-grid { stroke: rgba(128,128,128,0.3); stroke-width: 1; }
.pq-chart-svg .pq-axis { font-size: 10px; fill: currentColor; opacity: 0.7; }
.pq-chart-svg .pq-line { fill: none; stroke: rgb(var(--v-theme-primary, 31,111,92)); stroke-width: 2; }
.pq-chart-svg .pq-mark-version line { stroke: rgba(90,90,90,0.8); stroke-dasharray: 3 3; }
.pq-chart-svg .pq-mark-version text { font-size: 9px; fill: currentColor; }
.pq-chart-svg .pq-mark-drift line { stroke: #d98c00; stroke-width: 1.5; }
.pq-chart-svg .pq-mark-drift text { font-size: 9px; fill: #b26a00; }
.pq-overlay { position: fixed; inset: 0; z-index: 2400; display: flex; align-items: center; justify-content: center;
  padding: 16px; background: rgba(0,0,0,0.45); }
.pq-dialog { width: min(420px, 100%); display: flex; flex-direction: column; gap: 12px; padding: 16px;
  border-radius: 8px;
  background: rgb(var(--v-theme-group-background, 255,255,255)); color: rgb(var(--v-theme-on-group-background, 0,0,0));
  font-size: 14px; line-height: 1.45; overflow-wrap: anywhere; }
.pq-dialog h3 { margin: 0; font-size: 16px; }
.pq-dialog .pq-row { justify-content: flex-end; }
`;

/** Adds the styles to the page, once however many widgets it shows. */
export function addStyles(): void {
  if (typeof document === "undefined" || document.getElementById(STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.appendChild(style);
}
