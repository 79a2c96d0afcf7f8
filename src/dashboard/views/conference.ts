// One conference: its status and lifetime, who is in it now, who left and why, and its timeline from the
// event log.

import type { Account } from '../../domain/account.js';
import {
  type CallbackCounts,
  type ConferenceParticipants,
  type ConferenceSummary,
  type ParticipantBar,
  type ParticipantSummary,
  shownSid,
} from '../../reads/index.js';
import type { EntryKind } from '../describe.js';
import { leaveReasonText } from '../describe.js';
import { timeOf } from '../format.js';
import { html } from '../html.js';
import { callbackHealth } from './callbacks.js';
import { timelineChart } from './charts.js';
import { lifetime, participantItem, participantName, statusBadge } from './conferences.js';
import { page } from './layout.js';

export interface TimelineEntry {
  id: string;
  at: Date;
  kind: EntryKind;
  text: string;
}

export interface ConferenceView {
  conference: ConferenceSummary;
  participants: ConferenceParticipants;
  timeline: TimelineEntry[];
  /** Whether older events exist than the timeline shows. */
  earlier: boolean;
  /** The callbacks to the app that the conference's events made. */
  callbacks: CallbackCounts;
  /** One bar per stay of a participant, for the chart. */
  bars: ParticipantBar[];
}

function left(participant: ParticipantSummary) {
  const when = participant.dateLeft === null ? '' : html` at ${timeOf(participant.dateLeft)}`;
  return html`<span class="meta">${leaveReasonText(participant.leftReason)}${when}</span> <span class="call">${participant.callSid}</span>`;
}

export function conferencePage(account: Account, view: ConferenceView, feed: string, now: Date): string {
  const { conference, timeline, earlier, bars } = view;
  const { present, left: gone, leftCount } = view.participants;
  const byCall = new Map([...present, ...gone].map((p) => [p.callSid, p]));
  const nameOf = (callSid: string) => {
    const participant = byCall.get(callSid);
    return participant && participantName(participant);
  };
  return page({
    title: conference.friendlyName,
    account,
    feed,
    content: html`<p><a href="/">All conferences</a></p>
<h1>${conference.friendlyName}</h1>
<section id="conference-state" data-live-region aria-label="State">
  <p class="meta">${statusBadge(conference.status)} ${lifetime(conference, now)}</p>
  <p class="meta">Opened ${timeOf(conference.dateCreated, true)} · <span class="call">${shownSid(conference)}</span></p>
  <h2>In the conference now (${present.length})</h2>
  ${
    present.length === 0
      ? html`<p class="empty">Nobody is connected.</p>`
      : html`<ul class="people">${present.map((p) => participantItem(p, byCall, html`<span class="call">${p.callSid}</span>`))}</ul>`
  }
  <h2>Left (${leftCount})</h2>
  ${leftCount > gone.length ? html`<p class="note">The last ${gone.length} to leave are shown.</p>` : ''}
  ${gone.length === 0 ? html`<p class="empty">Nobody has left.</p>` : html`<ul class="people">${gone.map((p) => participantItem(p, byCall, left(p)))}</ul>`}
</section>
<section id="callbacks" aria-labelledby="callbacks-heading">
  <h2 id="callbacks-heading">Callbacks to the app</h2>
  ${callbackHealth(view.callbacks, 'This conference asked for no callbacks.')}
</section>
<section id="participant-chart" data-live-region aria-label="Participants over time">
  ${bars.length === 0 ? '' : timelineChart('stays', bars, (b) => nameOf(b.callSid) ?? b.label ?? b.callSid, now)}
</section>
<section id="timeline" data-live-region aria-labelledby="timeline-heading">
  <h2 id="timeline-heading">Timeline</h2>
  ${earlier ? html`<p class="note">Older events are not shown.</p>` : ''}
  <ol class="history">${timeline.map(
    (entry) =>
      html`<li data-kind="${entry.kind}" data-event="${entry.id}">${timeOf(entry.at)}<span class="what">${entry.text}</span></li>`,
  )}</ol>
</section>`,
  });
}

export function notFoundPage(account: Account): string {
  return page({
    title: 'Not found',
    account,
    content: html`<h1>Not found</h1><p>There is no such conference in this account. <a href="/">All conferences</a></p>`,
  });
}
