// Times and durations as the pages first show them. The page's script later shows times in the reader's
// own time zone and keeps the durations of live conferences running.

import { type Html, html } from './html.js';

/** "3 h 05 min", "12 min 04 s", "9 s". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h} h ${pad(m)} min`;
  if (m > 0) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}

/** A point in time, in UTC until the script shows it in local time. */
export function timeOf(date: Date, withDate = false): Html {
  const iso = date.toISOString();
  const text = `${withDate ? `${iso.slice(0, 10)} ` : ''}${iso.slice(11, 19)} UTC`;
  return html`<time datetime="${iso}" data-local="${withDate ? 'datetime' : 'time'}">${text}</time>`;
}

/** How long something has been going on; the script keeps it counting. */
export function runningSince(since: Date, now: Date): Html {
  const text = formatDuration(now.getTime() - since.getTime());
  return html`<span data-since="${since.toISOString()}">${text}</span>`;
}
