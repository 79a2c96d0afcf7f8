// The front page: every live conference with who is in it now, and the conferences that ended last; or,
// after a search, the conferences found.

import type { Account } from '../../domain/account.js';
import type { ConferenceSummary, ParticipantSummary } from '../../reads/index.js';
import { html } from '../html.js';
import { conferenceRow, liveCard } from './conferences.js';
import { page } from './layout.js';

export interface Listed {
  conference: ConferenceSummary;
  participants: number;
}

export interface Overview {
  live: { conference: ConferenceSummary; present: ParticipantSummary[] }[];
  /** Whether more live conferences exist than are shown. */
  moreLive: boolean;
  completed: Listed[];
}

function rows(listed: Listed[], now: Date) {
  return html`<ul class="rows">${listed.map((l) => conferenceRow(l.conference, l.participants, now))}</ul>`;
}

export function overviewPage(account: Account, overview: Overview, feed: string, now: Date): string {
  const { live, moreLive, completed } = overview;
  return page({
    title: 'Conferences',
    account,
    feed,
    content: html`<h1>Conferences</h1>
<p><a href="/charts">Charts: load over the last hour and day, durations and sizes</a></p>
<section id="live-conferences" data-live-region aria-labelledby="live-heading">
  <h2 id="live-heading">Live now (${live.length}${moreLive ? '+' : ''})</h2>
  ${
    live.length === 0
      ? html`<p class="empty">No conference is live.</p>`
      : html`<ul class="cards">${live.map((l) => liveCard(l.conference, l.present, now))}</ul>`
  }
  ${moreLive ? html`<p class="note">Showing the newest ${live.length}; search to find the others.</p>` : ''}
</section>
<section id="completed-conferences" data-live-region aria-labelledby="completed-heading">
  <h2 id="completed-heading">Recently completed</h2>
  ${completed.length === 0 ? html`<p class="empty">No conference has ended yet.</p>` : rows(completed, now)}
</section>`,
  });
}

export function searchPage(
  account: Account,
  query: string,
  found: Listed[],
  feed: string,
  now: Date,
): string {
  return page({
    title: `Search: ${query}`,
    account,
    search: query,
    feed,
    content: html`<h1>Conferences matching “${query}”</h1>
<section id="search-results" data-live-region aria-label="Search results">
  ${found.length === 0 ? html`<p class="empty">No conference matches.</p>` : rows(found, now)}
  <p class="note">Searches room names (any part), CallSids (CA…) and phone numbers. <a href="/">All conferences</a></p>
</section>`,
  });
}
