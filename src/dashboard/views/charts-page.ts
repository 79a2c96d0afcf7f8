// The charts page: live conferences and participants over the last hour and the last day, and how long
// conferences lasted and how many took part over a chosen period.

import type { Account } from '../../domain/account.js';
import type { Distribution, LoadPoint } from '../../reads/index.js';
import { html } from '../html.js';
import { histogramChart, loadChart } from './charts.js';
import { page } from './layout.js';

export const PERIODS = {
  '1h': ['the last hour', 3600],
  '24h': ['the last 24 hours', 86_400],
  '7d': ['the last 7 days', 7 * 86_400],
  '30d': ['the last 30 days', 30 * 86_400],
} as const;
export type Period = keyof typeof PERIODS;

export interface ChartsView {
  hour: LoadPoint[];
  day: LoadPoint[];
  period: Period;
  distribution: Distribution;
}

export function chartsPage(account: Account, view: ChartsView, feed: string): string {
  const { hour, day, period, distribution } = view;
  const [periodText] = PERIODS[period];
  return page({
    title: 'Charts',
    account,
    feed,
    content: html`<p><a href="/">All conferences</a></p>
<h1>Charts</h1>
<section id="load-charts" data-live-region aria-labelledby="load-heading">
  <h2 id="load-heading">Live conferences and participants</h2>
  <div class="charts">
  ${loadChart('load-hour', 'The last hour, minute by minute', hour)}
  ${loadChart('load-day', 'The last 24 hours, every 15 minutes', day)}
  </div>
</section>
<section aria-labelledby="distribution-heading">
  <h2 id="distribution-heading">Conferences of ${periodText}</h2>
  <!-- Outside the live region: a live update must not undo a period being chosen. -->
  <form class="period" method="get" action="/charts">
    <label for="period">Period</label>
    <select id="period" name="period">${Object.entries(PERIODS).map(([value, [text]]) => html`<option value="${value}"${value === period ? html` selected` : ''}>${text}</option>`)}</select>
    <button type="submit">Show</button>
  </form>
  <div id="distribution-charts" data-live-region>
  <p class="note">${distribution.conferences} conferences opened in ${periodText} and completed since.</p>
  <div class="charts">
  ${histogramChart('durations', 'How long they lasted', distribution.durations, 'conferences by duration')}
  ${histogramChart('sizes', 'How many took part', distribution.sizes, 'conferences by participants')}
  </div>
  </div>
</section>`,
  });
}
