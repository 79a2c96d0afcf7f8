// How conferences and their participants look wherever the dashboard lists them.

import { type ConferenceSummary, type ParticipantSummary, shownSid } from '../../reads/index.js';
import { endReasonText, flagMarks } from '../describe.js';
import { formatDuration, runningSince, timeOf } from '../format.js';
import { type Html, html } from '../html.js';

const STATUS_TEXT: Record<ConferenceSummary['status'], string> = {
  init: 'waiting to start',
  'in-progress': 'in progress',
  completed: 'completed',
};

export function conferencePath(sid: string): string {
  return `/conferences/${sid}`;
}

export function statusBadge(status: ConferenceSummary['status']): Html {
  return html`<span class="status" data-status="${status}">${STATUS_TEXT[status]}</span>`;
}

/** How long it has run and, once over, when and how it ended. */
export function lifetime(conference: ConferenceSummary, now: Date): Html {
  if (conference.status !== 'completed') {
    return html`running for ${runningSince(conference.dateCreated, now)}`;
  }
  const ran = formatDuration(conference.dateUpdated.getTime() - conference.dateCreated.getTime());
  const why = endReasonText(conference.reasonConferenceEnded);
  return html`ended ${timeOf(conference.dateUpdated, true)} after ${ran}${why === null ? '' : `: ${why}`}`;
}

export function participantName(participant: ParticipantSummary): string {
  return participant.label ?? participant.from ?? participant.callSid;
}

/**
 * A participant with their number where a label names them, and a mark for each flag that is on; a coach's
 * mark names whom they coach when `others` (the rest of the conference, by CallSid) holds them.
 */
export function participantItem(
  participant: ParticipantSummary,
  others: ReadonlyMap<string, ParticipantSummary>,
  detail: Html | string = '',
): Html {
  const coached = participant.callSidToCoach === null ? undefined : others.get(participant.callSidToCoach);
  const marks = flagMarks(participant, coached ? participantName(coached) : null);
  return html`<li data-call="${participant.callSid}">
  <span class="who">${participantName(participant)}</span>
  ${participant.label !== null && participant.from !== null ? html`<span class="number">${participant.from}</span>` : ''}
  ${marks.map((mark) => html`<span class="mark" data-mark="${mark.flag}">${mark.text}</span>`)}
  ${detail}
</li>`;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** A live conference as a card: its room, status, how long it has run, and who is in it now. */
export function liveCard(conference: ConferenceSummary, present: ParticipantSummary[], now: Date): Html {
  const byCall = new Map(present.map((p) => [p.callSid, p]));
  return html`<li class="card" data-conference="${conference.sid}">
  <h3><a href="${conferencePath(shownSid(conference))}">${conference.friendlyName}</a></h3>
  <p class="meta">${statusBadge(conference.status)} ${lifetime(conference, now)} · ${plural(present.length, 'participant')}</p>
  ${
    present.length === 0
      ? html`<p class="empty">Nobody is connected.</p>`
      : html`<ul class="people" aria-label="Participants of ${conference.friendlyName}">${present.map((p) => participantItem(p, byCall))}</ul>`
  }
</li>`;
}

/** A conference as one row: room, status, its lifetime and how many took part. */
export function conferenceRow(conference: ConferenceSummary, participants: number, now: Date): Html {
  return html`<li data-conference="${conference.sid}">
  <a class="who" href="${conferencePath(shownSid(conference))}">${conference.friendlyName}</a>
  ${statusBadge(conference.status)}
  <span class="meta">${lifetime(conference, now)} · ${plural(participants, 'participant')}</span>
</li>`;
}
