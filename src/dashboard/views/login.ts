// The login form: the account's SID and auth token, posted to the server and never put in a URL.

import { html } from '../html.js';
import { page } from './layout.js';

export interface LoginForm {
  /** The SID given before, shown again after a failed attempt; the token never is. */
  sid?: string;
  error?: string;
  /** Where to go once logged in: a path on this server. */
  next?: string;
}

export function loginPage({ sid = '', error, next }: LoginForm): string {
  return page({
    title: 'Log in',
    account: null,
    content: html`<form class="login" method="post" action="/login">
  <h1>Conclave</h1>
  <p class="note">Log in with the SID and auth token of your account to see its conferences.</p>
  ${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
  <label for="sid">Account SID</label>
  <input id="sid" name="AccountSid" value="${sid}" required autocomplete="username" spellcheck="false" pattern="AC[0-9a-fA-F]{32}" placeholder="AC…">
  <label for="token">Auth token</label>
  <input id="token" name="AuthToken" type="password" required autocomplete="current-password">
  ${next === undefined ? '' : html`<input type="hidden" name="next" value="${next}">`}
  <button type="submit">Log in</button>
</form>`,
  });
}
