import { fixed } from "./format.ts";

/**
 * Standalone SVG charts, hand-written: a frame, axes, lines with points,
 * error bars and the run's facts at the foot. A charting library would
 * bring a DOM or a canvas for what is a few dozen lines of text.
 */

export interface Point {
  x: number;
  y: number;
  /** Error bars (e.g. min–max over rounds); drawn where lo < hi. */
  xLo?: number;
  xHi?: number;
  yLo?: number;
  yHi?: number;
}

export interface ChartSeries {
  name: string;
  points: Point[];
  dashed?: boolean;
  /** Index into the palette; default the series' own position (p50 and p99 of one server share a colour). */
  color?: number;
}

export interface Tick {
  at: number;
  label: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** The run's facts (rounds, duration, cores, commit, date), printed at the foot. */
  facts: string;
  /** What the error bars are, e.g. "bars: min–max over 3 rounds". */
  bars?: string;
  /** Fixed x ticks (categories, percentiles); else ticks from 0 to a round maximum. */
  xTicks?: Tick[];
  xDomain?: [number, number];
  /** Logarithmic y (latency past saturation spans decades). */
  yLog?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export const WIDTH = 720;
const PLOT = { left: 70, right: 170, top: 40, bottom: 56 };
const FOOT = 34;
export const HEIGHT = 360 + FOOT;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Tick step of 1, 2 or 5 times a power of ten giving about five ticks up to `max`. */
export function niceStep(max: number): number {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

export function tickLabel(v: number): string {
  if (v >= 1_000_000) return `${fixed(v / 1_000_000, v % 1_000_000 === 0 ? 0 : 1)}M`;
  if (v >= 1000) return `${fixed(v / 1000, v % 1000 === 0 ? 0 : 1)}k`;
  return String(Math.round(v * 1000) / 1000);
}

function linearTicks(max: number): { top: number; ticks: Tick[] } {
  const m = Math.max(1e-9, max) * 1.05;
  const step = niceStep(m);
  const top = Math.ceil(m / step) * step;
  const ticks: Tick[] = [];
  for (let k = 0; k * step <= top + step / 2; k++) ticks.push({ at: k * step, label: tickLabel(k * step) });
  return { top, ticks };
}

function logTicks(min: number, max: number): { bottom: number; top: number; ticks: Tick[] } {
  const lo = Math.floor(Math.log10(Math.max(1e-9, min)));
  let hi = Math.ceil(Math.log10(Math.max(1e-9, max)));
  if (hi === lo) hi = lo + 1;
  const ticks: Tick[] = [];
  // Few decades: 1, 2 and 5 of each; many: powers of ten only.
  const mantissas = hi - lo <= 2 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) for (const m of mantissas) if (m * 10 ** e <= 10 ** hi) ticks.push({ at: m * 10 ** e, label: tickLabel(m * 10 ** e) });
  return { bottom: 10 ** lo, top: 10 ** hi, ticks };
}

/** Splits the facts into at most two lines at a " · " near the middle. */
function footLines(facts: string): string[] {
  if (facts.length <= 110) return [facts];
  const parts = facts.split(" · ");
  let first = "";
  while (parts.length > 1 && (first + parts[0]).length < facts.length / 2) first += (first === "" ? "" : " · ") + parts.shift();
  return first === "" ? [facts] : [first, parts.join(" · ")];
}

const f = (n: number): string => n.toFixed(1);

export function chart(o: ChartOptions): string {
  const pw = WIDTH - PLOT.left - PLOT.right;
  const ph = HEIGHT - FOOT - PLOT.top - PLOT.bottom;
  const all = o.series.flatMap((s) => s.points);
  const ys = all.flatMap((p) => [p.y, p.yLo ?? p.y, p.yHi ?? p.y]).filter((v) => Number.isFinite(v) && (!o.yLog || v > 0));
  const xs = all.flatMap((p) => [p.x, p.xLo ?? p.x, p.xHi ?? p.x]).filter(Number.isFinite);

  let yOf: (v: number) => number;
  let yTicks: Tick[];
  if (o.yLog) {
    const t = logTicks(Math.min(...ys, Number.POSITIVE_INFINITY) === Number.POSITIVE_INFINITY ? 1 : Math.min(...ys), Math.max(1, ...ys));
    const l0 = Math.log10(t.bottom);
    const l1 = Math.log10(t.top);
    yOf = (v) => PLOT.top + ph - ((Math.log10(Math.max(v, t.bottom)) - l0) / (l1 - l0)) * ph;
    yTicks = t.ticks;
  } else {
    const t = linearTicks(Math.max(0, ...ys));
    yOf = (v) => PLOT.top + ph - (v / t.top) * ph;
    yTicks = t.ticks;
  }
  let xDomain: [number, number];
  let xTicks: Tick[];
  if (o.xTicks !== undefined) {
    xTicks = o.xTicks;
    xDomain = o.xDomain ?? [Math.min(...o.xTicks.map((t) => t.at)), Math.max(...o.xTicks.map((t) => t.at))];
  } else {
    const t = linearTicks(Math.max(0, ...xs));
    xTicks = t.ticks;
    xDomain = o.xDomain ?? [0, t.top];
  }
  const span = xDomain[1] - xDomain[0];
  const xOf = (v: number): number => PLOT.left + (span === 0 ? pw / 2 : ((v - xDomain[0]) / span) * pw);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`);
  out.push(`<text x="${PLOT.left + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(o.title)}</text>`);
  for (const t of yTicks) {
    const yy = f(yOf(t.at));
    out.push(`<line x1="${PLOT.left}" y1="${yy}" x2="${PLOT.left + pw}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${PLOT.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${f(xOf(t.at))}" y1="${PLOT.top + ph}" x2="${f(xOf(t.at))}" y2="${PLOT.top + ph + 4}" stroke="#333"/>`);
    out.push(`<text x="${f(xOf(t.at))}" y="${PLOT.top + ph + 18}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.top + ph}" x2="${PLOT.left + pw}" y2="${PLOT.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${PLOT.left}" y1="${PLOT.top}" x2="${PLOT.left}" y2="${PLOT.top + ph}" stroke="#333"/>`);
  out.push(`<text x="${PLOT.left + pw / 2}" y="${PLOT.top + ph + 40}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${PLOT.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);

  o.series.forEach((s, k) => {
    const color = COLORS[(s.color ?? k) % COLORS.length];
    // Series side by side by a few pixels, so bars at the same x do not hide each other.
    const dodge = (k - (o.series.length - 1) / 2) * 3;
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.yLog || p.y > 0));
    const dash = s.dashed === true ? ` stroke-dasharray="6 4"` : "";
    if (pts.length > 1) out.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="2.5"${dash} points="${pts.map((p) => `${f(xOf(p.x) + dodge)},${f(yOf(p.y))}`).join(" ")}"/>`);
    for (const p of pts) {
      const px = xOf(p.x) + dodge;
      const py = yOf(p.y);
      if (p.yLo !== undefined && p.yHi !== undefined && Number.isFinite(p.yLo) && Number.isFinite(p.yHi) && p.yHi > p.yLo) {
        const [a, b] = [yOf(p.yLo), yOf(p.yHi)];
        out.push(`<path class="error-bar" stroke="${color}" stroke-width="1.5" fill="none" d="M${f(px)} ${f(a)}V${f(b)}M${f(px - 5)} ${f(a)}H${f(px + 5)}M${f(px - 5)} ${f(b)}H${f(px + 5)}"/>`);
      }
      if (p.xLo !== undefined && p.xHi !== undefined && Number.isFinite(p.xLo) && Number.isFinite(p.xHi) && p.xHi > p.xLo) {
        const [a, b] = [xOf(p.xLo) + dodge, xOf(p.xHi) + dodge];
        out.push(`<path class="error-bar" stroke="${color}" stroke-width="1.5" fill="none" d="M${f(a)} ${f(py)}H${f(b)}M${f(a)} ${f(py - 5)}V${f(py + 5)}M${f(b)} ${f(py - 5)}V${f(py + 5)}"/>`);
      }
      // A long trace (RSS every second) reads as a line; markers would only blot it.
      if (pts.length <= 60) out.push(`<circle cx="${f(px)}" cy="${f(py)}" r="3.5" fill="${color}"/>`);
    }
    const ly = PLOT.top + 10 + k * 20;
    out.push(`<line x1="${PLOT.left + pw + 14}" y1="${ly}" x2="${PLOT.left + pw + 34}" y2="${ly}" stroke="${color}" stroke-width="2.5"${dash}/>`);
    out.push(`<text x="${PLOT.left + pw + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  if (o.bars !== undefined) out.push(`<text x="${PLOT.left + pw + 14}" y="${PLOT.top + 10 + o.series.length * 20 + 6}" font-size="10" fill="#555">${escapeXml(o.bars)}</text>`);
  footLines(o.facts).forEach((line, i) => {
    out.push(`<text class="facts" x="8" y="${HEIGHT - FOOT + 14 + i * 14}" font-size="10" fill="#555">${escapeXml(line)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

export interface Series {
  name: string;
  values: number[];
  /** Error bars per value (NaN or absent: none). */
  lo?: number[];
  hi?: number[];
}

/** A chart over categories (connection counts), evenly spaced, y from zero. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; xs: number[]; series: Series[]; facts: string; bars?: string }): string {
  return chart({
    title: o.title,
    xLabel: o.xLabel,
    yLabel: o.yLabel,
    facts: o.facts,
    bars: o.bars,
    xTicks: o.xs.map((x, i) => ({ at: i, label: String(x) })),
    xDomain: o.xs.length === 1 ? [-1, 1] : [0, o.xs.length - 1],
    series: o.series.map((s) => ({ name: s.name, points: s.values.map((y, i) => ({ x: i, y, yLo: s.lo?.[i], yHi: s.hi?.[i] })) })),
  });
}

/** Where percentile p sits on an HDR-style axis: log10(1 / (1 − p)), 90% at 1, 99% at 2. */
export function percentileAxis(p: number): number {
  return p >= 100 ? Number.POSITIVE_INFINITY : Math.log10(100 / (100 - p));
}

/** The ticks of an HDR-style percentile axis up to 10^-decades from 100%. */
export function percentileTicks(decades: number): Tick[] {
  const labels = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"];
  return Array.from({ length: decades + 1 }, (_, k) => ({ at: k, label: labels[k] ?? `${k} nines` }));
}
