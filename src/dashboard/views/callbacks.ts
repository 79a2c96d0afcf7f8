// How callbacks fare, for a conference (to the app its voice URL named) and for an account's sink.

import type { Account } from '../../domain/account.js';
import { redactUrl } from '../../domain/callbacks.js';
import type { CallbackCounts } from '../../reads/index.js';
import { type Html, html } from '../html.js';
import { page } from './layout.js';

export function callbackHealth(counts: CallbackCounts, none: string): Html {
  if (counts.delivered + counts.pending + counts.failed === 0) return html`<p class="empty">${none}</p>`;
  const behind = counts.pending > 0 ? html` (oldest waiting ${Math.round(counts.lagSeconds)} s)` : '';
  return html`<dl class="callbacks">
  <dt>Sent</dt><dd data-callbacks="delivered">${String(counts.delivered)}</dd>
  <dt>Pending</dt><dd data-callbacks="pending">${String(counts.pending)}${behind}</dd>
  <dt>Failed</dt><dd data-callbacks="failed">${String(counts.failed)}</dd>
  ${counts.lastError === null ? '' : html`<dt>Last error</dt><dd data-callbacks="last-error">${counts.lastError}</dd>`}
</dl>`;
}

export function accountPage(account: Account, sink: { url: string | null; counts: CallbackCounts }): string {
  return page({
    title: 'Account',
    account,
    content: html`<p><a href="/">All conferences</a></p>
<h1>Account</h1>
<p class="meta"><span class="sid">${account.sid}</span> · ${account.friendlyName}</p>
<section id="events-sink" aria-labelledby="sink-heading">
  <h2 id="sink-heading">Events URL</h2>
  ${
    sink.url === null
      ? html`<p class="empty">No events URL: set one with <code>conclave accounts set-events-url</code>.</p>`
      : html`<p>Every conference event goes to <code>${redactUrl(sink.url)}</code>.</p>`
  }
  ${callbackHealth(sink.counts, 'Nothing sent yet.')}
</section>`,
  });
}
