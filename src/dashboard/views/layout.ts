// The frame of every dashboard page: who is signed in, the search box, the live-update status line, and
// one stylesheet, one script and an icon, all served by Conclave itself.

import type { Account } from '../../domain/account.js';
import { ICON_PATH, SCRIPT_PATH, STYLE_PATH } from '../assets.js';
import { type Html, html } from '../html.js';

export interface PageOptions {
  title: string;
  /** The signed-in account; null on the login page. */
  account: Account | null;
  search?: string;
  /** The live feed this page follows, if any. */
  feed?: string;
  content: Html;
}

function header(account: Account, search: string): Html {
  return html`<header class="top">
  <a class="brand" href="/">Conclave</a>
  <p class="account"><a href="/account">${account.friendlyName}</a> <span class="sid">${account.sid}</span></p>
  <form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>
</header>
<form class="search" role="search" method="get" action="/">
  <label for="q">Search conferences</label>
  <input id="q" name="q" type="search" value="${search}" placeholder="Room name, CallSid or phone number" autocomplete="off">
  <button type="submit">Search</button>
</form>`;
}

function liveStatus(): Html {
  return html`<div class="live">
  <p class="connection" data-connection>Live updates need JavaScript; reload to see changes.</p>
  <p class="announcement" role="status" aria-live="polite" data-announcement></p>
</div>`;
}

export function page({ title, account, search = '', feed, content }: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Conclave</title>
<link rel="icon" href="${ICON_PATH}" type="image/svg+xml">
<link rel="stylesheet" href="${STYLE_PATH}">
<script type="module" src="${SCRIPT_PATH}"></script>
</head>
<body${feed === undefined ? '' : html` data-feed="${feed}"`}>
<a class="skip" href="#content">Skip to content</a>
${account === null ? '' : header(account, search)}
${feed === undefined ? '' : liveStatus()}
<main id="content">
${content}
</main>
</body>
</html>
`.text;
}
