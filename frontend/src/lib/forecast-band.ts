/**
 * The forecast behind the occupancy chart's live line: the usual range of the whole gym as a shaded
 * band and the expected people as a dashed line, hour by hour through the open hours. Drawn straight on
 * uPlot's canvas before the series, so it needs no series of its own on the live samples' time points.
 */
import type uPlot from 'uplot';
import type { CurvePoint } from './busy.js';

export interface BandStyle {
  fill: string;
  line: string;
  width: number;
}

const HALF_HOUR = 1800;

/** Runs of consecutive open hours; each is stretched to cover its first and last hour fully. */
function runs(curve: readonly CurvePoint[]): CurvePoint[][] {
  const out: CurvePoint[][] = [];
  for (const p of curve) {
    const run = out.at(-1);
    const last = run?.at(-1);
    if (run && last && p.t - last.t <= 2 * HALF_HOUR + 60) run.push(p);
    else out.push([p]);
  }
  return out.map((run) => [{ ...run[0]!, t: run[0]!.t - HALF_HOUR }, ...run, { ...run.at(-1)!, t: run.at(-1)!.t + HALF_HOUR }]);
}

export function drawForecast(u: uPlot, curve: readonly CurvePoint[], style: BandStyle): void {
  if (!curve.length) return;
  const ctx = u.ctx;
  const x = (t: number) => u.valToPos(t, 'x', true);
  const y = (v: number) => u.valToPos(v, 'y', true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  for (const run of runs(curve)) {
    ctx.beginPath();
    run.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.high)) : ctx.moveTo(x(p.t), y(p.high))));
    for (let i = run.length - 1; i >= 0; i--) ctx.lineTo(x(run[i]!.t), y(run[i]!.low));
    ctx.closePath();
    ctx.fillStyle = style.fill;
    ctx.fill();

    ctx.beginPath();
    run.forEach((p, i) => (i ? ctx.lineTo(x(p.t), y(p.expected)) : ctx.moveTo(x(p.t), y(p.expected))));
    ctx.strokeStyle = style.line;
    ctx.lineWidth = style.width;
    ctx.setLineDash([style.width * 3, style.width * 2]);
    ctx.stroke();
  }
  ctx.restore();
}

/** The forecast for the hour holding t (seconds), if it is an open one. */
export function forecastAt(curve: readonly CurvePoint[], t: number): CurvePoint | undefined {
  return curve.find((p) => p.t - HALF_HOUR <= t && t < p.t + HALF_HOUR);
}
