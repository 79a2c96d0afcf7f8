// The dashboard's stylesheet, script and icon, served by Conclave at paths that name their content, so that a
// browser may keep them for good and nothing is ever fetched from elsewhere. They live here as text
// because the build compiles TypeScript only; the script is plain JavaScript for any current browser.

import { createHash } from 'node:crypto';

const STYLE = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --fg: #15181d; --muted: #596170; --card: #fff; --line: #d8dce2;
  --accent: #0a58d6; --live: #0a7a3d; --wait: #8a5300; --bad: #b42318;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #101318; --fg: #e8eaed; --muted: #a4acb9; --card: #1a1f27; --line: #2f3642;
    --accent: #86adff; --live: #5ccf94; --wait: #f0b45b; --bad: #ff8f85;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.45; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -100vw; }
.skip:focus { left: 1rem; top: 1rem; background: var(--card); padding: .5rem; z-index: 1; }
.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem;
  padding: .75rem 1rem; background: var(--card); border-bottom: 1px solid var(--line);
}
.brand { font-weight: 700; font-size: 1.15rem; color: inherit; text-decoration: none; }
.account { margin: 0; flex: 1; min-width: 0; }
.account .sid { display: block; }
.sid, .call, .number { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .75rem 1rem 0; }
.search label { font-weight: 600; }
input {
  font: inherit; padding: .5rem .6rem; border: 1px solid var(--muted); border-radius: 6px;
  background: var(--card); color: inherit;
}
.search input { flex: 1 1 14rem; min-width: 0; }
button {
  font: inherit; padding: .45rem .9rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--accent); background: var(--accent); color: var(--card);
}
.logout button { background: transparent; color: var(--accent); }
.live { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: .5rem 1rem 0; color: var(--muted); font-size: .9rem; }
.live p { margin: 0; overflow-wrap: anywhere; }
.connection[data-state]::before { content: "\25CF  "; }
.connection[data-state="live"]::before { color: var(--live); }
.connection[data-state="reconnecting"]::before { color: var(--wait); }
.connection[data-state="stopped"]::before { color: var(--bad); }
main { padding: 0 1rem 2rem; max-width: 80rem; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 1rem 0 .5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .75rem; }
.note, .empty { color: var(--muted); }
.cards {
  list-style: none; margin: 0; padding: 0; display: grid; gap: 1rem;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr));
}
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .9rem 1rem; }
.card h3 { margin: 0 0 .35rem; font-size: 1.05rem; overflow-wrap: anywhere; }
.meta { margin: 0 0 .5rem; color: var(--muted); font-size: .9rem; }
.status {
  display: inline-block; padding: 0 .5rem; border-radius: 999px; border: 1px solid currentColor;
  font-size: .8rem; font-weight: 600;
}
.status[data-status="in-progress"] { color: var(--live); }
.status[data-status="init"] { color: var(--wait); }
.status[data-status="completed"] { color: var(--muted); }
.people, .rows, .history { list-style: none; margin: 0; padding: 0; }
.people li, .rows li {
  display: flex; flex-wrap: wrap; gap: .2rem .5rem; align-items: baseline;
  padding: .35rem 0; border-top: 1px solid var(--line);
}
.rows li { padding: .6rem 0; }
.who { font-weight: 600; overflow-wrap: anywhere; }
.rows .who { flex: 1 1 12rem; }
.mark { font-size: .75rem; padding: .05rem .45rem; border-radius: 4px; border: 1px solid var(--line); }
.mark[data-mark="muted"] { border-color: var(--wait); color: var(--wait); }
.mark[data-mark="on hold"] { border-color: var(--bad); color: var(--bad); }
.mark[data-mark="coaching"] { border-color: var(--accent); color: var(--accent); }
.mark[data-mark="moderator"] { border-color: var(--live); color: var(--live); }
.history li {
  display: grid; grid-template-columns: 8rem 1fr; gap: .75rem;
  padding: .4rem 0; border-top: 1px solid var(--line); overflow-wrap: anywhere;
}
.history li[data-kind="join"] .what::before { content: "+ "; color: var(--live); }
.history li[data-kind="leave"] .what::before { content: "\2212  "; color: var(--bad); }
.history li[data-kind="conference"] .what { font-weight: 600; }
.history time { color: var(--muted); font-variant-numeric: tabular-nums; }
.login { max-width: 26rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem; }
.login label { display: block; font-weight: 600; margin: .9rem 0 .3rem; }
.login input { width: 100%; }
.login button { margin-top: 1.25rem; width: 100%; }
.error { color: var(--bad); font-weight: 600; }
.charts { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 28rem), 1fr)); }
.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .5rem; }
.chart svg { width: 100%; height: auto; display: block; font-size: 11px; }
.chart figcaption { color: var(--muted); font-size: .9rem; padding: .25rem .25rem 0; }
.chart text { fill: var(--fg); }
.chart .axis line { stroke: var(--muted); }
.chart .series { fill: none; stroke-width: 2; }
.chart .series.conferences { stroke: var(--accent); }
.chart .series.participants { stroke: var(--fg); stroke-dasharray: 6 4; }
.chart .marker.conferences { fill: var(--accent); }
.chart .marker.participants { fill: var(--card); stroke: var(--fg); stroke-width: 1.2; }
.chart .bar { fill: var(--accent); fill-opacity: .35; stroke: var(--accent); }
.chart .bar.connected { fill-opacity: .6; }
.chart .stretch { stroke: var(--fg); stroke-width: .8; }
.chart .pattern-line { stroke: var(--fg); stroke-width: 2; }
.chart .pattern-dot { fill: var(--fg); }
.period { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
select { font: inherit; padding: .4rem; border-radius: 6px; border: 1px solid var(--muted); background: var(--card); color: inherit; }
@media (max-width: 30rem) {
  .history li { grid-template-columns: 1fr; gap: 0; }
}
`;

const SCRIPT = `'use strict';
// Follows the page's live feed: announces each change, then reads the page again and swaps in its live
// regions. Shows times in the reader's time zone and keeps the durations of live conferences running.
(function () {
  function pad(n) { return String(n).padStart(2, '0'); }
  function duration(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    if (h > 0) return h + ' h ' + pad(m) + ' min';
    if (m > 0) return m + ' min ' + pad(s) + ' s';
    return s + ' s';
  }
  function localTimes() {
    document.querySelectorAll('time[data-local]').forEach(function (el) {
      var date = new Date(el.getAttribute('datetime'));
      el.textContent = el.dataset.local === 'datetime' ? date.toLocaleString() : date.toLocaleTimeString();
    });
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll('[data-since]').forEach(function (el) {
      el.textContent = duration(now - Date.parse(el.dataset.since));
    });
  }
  localTimes();
  tick();
  setInterval(tick, 1000);

  var feed = document.body.dataset.feed;
  var connection = document.querySelector('[data-connection]');
  var announcement = document.querySelector('[data-announcement]');
  if (!feed || !window.EventSource || !connection || !announcement) return;

  // Keeps keyboard focus on the same link when the region holding it is replaced.
  function swap(fresh) {
    var focused = document.activeElement;
    var href = focused && focused.getAttribute('href');
    document.querySelectorAll('[data-live-region]').forEach(function (region) {
      var replacement = fresh.getElementById(region.id);
      if (replacement) region.replaceWith(replacement);
    });
    if (href && !document.contains(focused)) {
      var again = Array.prototype.find.call(document.querySelectorAll('a[href]'), function (a) {
        return a.getAttribute('href') === href;
      });
      if (again) again.focus();
    }
    localTimes();
    tick();
  }

  var reading = false, stale = false, timer = null;
  async function refresh() {
    if (reading) { stale = true; return; }
    reading = true;
    try {
      do {
        stale = false;
        var response = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
        if (response.redirected && new URL(response.url).pathname === '/login') {
          location.assign(response.url);
          return;
        }
        if (!response.ok) return;
        swap(new DOMParser().parseFromString(await response.text(), 'text/html'));
      } while (stale);
    } catch {
      // The server is out of reach: the next change tries again.
      stale = false;
    } finally {
      reading = false;
    }
  }
  // Changes come in bursts: one read of the page for each burst.
  function soon() {
    if (timer === null) timer = setTimeout(function () { timer = null; refresh(); }, 150);
  }

  function show(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }
  show('reconnecting', 'Connecting to live updates…');
  var source = new EventSource(feed);
  source.addEventListener('open', function () { show('live', 'Live: changes appear as they happen'); });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) show('stopped', 'Live updates stopped; reload the page');
    else show('reconnecting', 'Reconnecting to live updates…');
  });
  source.addEventListener('change', function (message) {
    announcement.textContent = JSON.parse(message.data).summary;
    soon();
  });
})();
`;

const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0a58d6"/><circle cx="8" cy="8" r="3" fill="#fff"/></svg>`;

function hashed(name: string, extension: string, content: string): string {
  return `/assets/${name}-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.${extension}`;
}

export const STYLE_PATH = hashed('dashboard', 'css', STYLE);
export const SCRIPT_PATH = hashed('dashboard', 'js', SCRIPT);
export const ICON_PATH = hashed('icon', 'svg', ICON);

export const ASSETS: ReadonlyMap<string, { type: string; body: string }> = new Map([
  [STYLE_PATH, { type: 'text/css; charset=utf-8', body: STYLE }],
  [SCRIPT_PATH, { type: 'text/javascript; charset=utf-8', body: SCRIPT }],
  [ICON_PATH, { type: 'image/svg+xml', body: ICON }],
]);
