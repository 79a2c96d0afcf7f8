// Charts drawn on the server as SVG: nothing to download, nothing run in the browser, and they update with
// the rest of the page. Series and bars are told apart by line pattern, marker shape and fill pattern, and
// every value is also written as text, so they read without colour (and in a screen reader, by the table
// each one carries in its description).

import type { Bucket, LoadPoint, ParticipantBar } from '../../reads/index.js';
import { type Html, html } from '../html.js';

const WIDTH = 640;
const HEIGHT = 220;
// Room for the axis labels around the plot.
const { LEFT, RIGHT, TOP, BOTTOM } = { LEFT: 44, RIGHT: 12, TOP: 16, BOTTOM: 36 };

const hhmm = (date: Date) => date.toISOString().slice(11, 16);

/** Shared fill patterns: hatching for muted, dots for on hold. */
const PATTERNS = html`<defs>
  <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="pattern-line"/></pattern>
  <pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse"><circle cx="3" cy="3" r="1.4" class="pattern-dot"/></pattern>
</defs>`;

function frame(id: string, title: string, description: string, body: Html, height = HEIGHT): Html {
  return html`<figure class="chart" id="${id}">
<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${title}</title>
<desc id="${id}-desc">${description}</desc>
${PATTERNS}
${body}
</svg>
<figcaption>${title}</figcaption>
</figure>`;
}

/** A rounded-up axis maximum: 1, 2, 5, 10, 20, 50… */
function niceMax(value: number): number {
  let step = 1;
  while (step * 10 <= value) step *= 10;
  for (const m of [1, 2, 5, 10]) if (value <= m * step) return m * step;
  return 10 * step;
}

/** Live conferences (solid line, round markers) and participants (dashed line, square markers) over time. */
export function loadChart(id: string, title: string, points: LoadPoint[]): Html {
  const max = niceMax(Math.max(1, ...points.map((p) => Math.max(p.conferences, p.participants))));
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (i: number) => LEFT + (points.length < 2 ? 0 : (i * plotW) / (points.length - 1));
  const y = (v: number) => TOP + plotH - (v * plotH) / max;
  const path = (pick: (p: LoadPoint) => number) =>
    points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ');
  const last = points.at(-1);
  const ticks = [0, Math.floor((points.length - 1) / 2), points.length - 1];
  const description = `${points.length} samples from ${points[0] ? hhmm(points[0].at) : ''} to ${last ? hhmm(last.at) : ''} UTC; at the end ${last?.conferences ?? 0} conferences live and ${last?.participants ?? 0} participants connected; peak ${Math.max(0, ...points.map((p) => p.conferences))} conferences and ${Math.max(0, ...points.map((p) => p.participants))} participants.`;
  return frame(
    id,
    title,
    description,
    html`<g class="axis">
  <line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}"/>
  <line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${TOP + plotH}"/>
  <text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${max}</text>
  <text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>
  ${ticks.map((i, n) => (points[i] ? html`<text x="${x(i)}" y="${HEIGHT - BOTTOM + 16}" text-anchor="${['start', 'middle', 'end'][n]}">${hhmm(points[i].at)}</text>` : ''))}
</g>
<path class="series participants" d="${path((p) => p.participants)}"/>
<path class="series conferences" d="${path((p) => p.conferences)}"/>
${points.length <= 61 ? points.map((p, i) => html`<rect class="marker participants" x="${(x(i) - 2.5).toFixed(1)}" y="${(y(p.participants) - 2.5).toFixed(1)}" width="5" height="5"/><circle class="marker conferences" cx="${x(i).toFixed(1)}" cy="${y(p.conferences).toFixed(1)}" r="2.5"/>`) : ''}
<g class="legend" transform="translate(${LEFT + 8}, ${HEIGHT - 8})">
  <line class="series conferences" x1="0" y1="-4" x2="24" y2="-4"/><circle class="marker conferences" cx="12" cy="-4" r="2.5"/>
  <text x="30" y="0">conferences (${last?.conferences ?? 0} now)</text>
  <line class="series participants" x1="210" y1="-4" x2="234" y2="-4"/><rect class="marker participants" x="219.5" y="-6.5" width="5" height="5"/>
  <text x="240" y="0">participants (${last?.participants ?? 0} now)</text>
</g>`,
  );
}

/** Bars with their count written above each and the bucket below. */
export function histogramChart(id: string, title: string, buckets: Bucket[], unit: string): Html {
  const max = niceMax(Math.max(1, ...buckets.map((b) => b.count)));
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / Math.max(1, buckets.length);
  const description = buckets.map((b) => `${b.label}: ${b.count}`).join('; ');
  return frame(
    id,
    title,
    `${unit}. ${description}.`,
    html`<g class="axis">
  <line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}"/>
  <text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${max}</text>
</g>
${buckets.map((b, i) => {
  const h = (b.count * plotH) / max;
  const cx = LEFT + slot * i + slot / 2;
  return html`<g class="bucket" data-label="${b.label}" data-count="${b.count}">
  <rect class="bar" x="${(LEFT + slot * i + slot * 0.15).toFixed(1)}" y="${(TOP + plotH - h).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"/>
  <text x="${cx.toFixed(1)}" y="${(TOP + plotH - h - 4).toFixed(1)}" text-anchor="middle">${b.count}</text>
  <text x="${cx.toFixed(1)}" y="${HEIGHT - BOTTOM + 16}" text-anchor="middle">${b.label}</text>
</g>`;
})}
<text class="unit" x="${WIDTH - RIGHT}" y="${HEIGHT - 4}" text-anchor="end">${unit}</text>`,
  );
}

const ROW = 26;

/** One bar per participant from join to leave; muted stretches hatched, held ones dotted. */
export function timelineChart(
  id: string,
  bars: ParticipantBar[],
  name: (bar: ParticipantBar) => string,
  now: Date,
): Html {
  const start = Math.min(...bars.map((b) => b.joined.getTime()));
  const end = Math.max(start + 1000, ...bars.map((b) => (b.left ?? now).getTime()));
  const labelW = 150;
  const plotW = WIDTH - labelW - RIGHT;
  const height = TOP + bars.length * ROW + BOTTOM;
  const x = (date: Date) => labelW + ((date.getTime() - start) * plotW) / (end - start);
  const description = bars
    .map(
      (b) =>
        `${name(b)}: ${hhmm(b.joined)} to ${b.left ? hhmm(b.left) : 'now'}${b.stretches.map((s) => `, ${s.kind} ${hhmm(s.from)}–${s.to ? hhmm(s.to) : 'now'}`).join('')}`,
    )
    .join('; ');
  return frame(
    id,
    'Who was in the conference, and when',
    `Times in UTC. ${description}.`,
    html`${bars.map((b, i) => {
      const top = TOP + i * ROW;
      const until = b.left ?? now;
      return html`<g class="stay" data-call="${b.callSid}">
  <text x="${labelW - 6}" y="${top + 15}" text-anchor="end">${name(b)}</text>
  <rect class="bar${b.left === null ? ' connected' : ''}" x="${x(b.joined).toFixed(1)}" y="${top + 4}" width="${Math.max(1, x(until) - x(b.joined)).toFixed(1)}" height="16"/>
  ${b.stretches.map((s) => html`<rect class="stretch ${s.kind}" data-kind="${s.kind}" x="${x(s.from).toFixed(1)}" y="${top + 4}" width="${Math.max(1, x(s.to ?? until) - x(s.from)).toFixed(1)}" height="16" fill="url(#${s.kind === 'muted' ? 'hatch' : 'dots'})"/>`)}
</g>`;
    })}
<g class="axis">
  <text x="${labelW}" y="${height - BOTTOM + 16}" text-anchor="start">${hhmm(new Date(start))}</text>
  <text x="${WIDTH - RIGHT}" y="${height - BOTTOM + 16}" text-anchor="end">${hhmm(new Date(end))}</text>
</g>
<g class="legend" transform="translate(${labelW}, ${height - 8})">
  <rect class="bar" x="0" y="-10" width="20" height="10"/><text x="26" y="0">connected</text>
  <rect class="stretch muted" x="110" y="-10" width="20" height="10" fill="url(#hatch)"/><text x="136" y="0">muted</text>
  <rect class="stretch held" x="200" y="-10" width="20" height="10" fill="url(#dots)"/><text x="226" y="0">on hold</text>
</g>`,
    height,
  );
}
