// @ts-check
// Follows the page's live feed: announces each change, then reads the page again and swaps in its live
// regions. Shows times in the reader's time zone and keeps the durations of live conferences running.

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/** @param {number} ms */
function duration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${pad(m)} min`;
  if (m > 0) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}

function localTimes() {
  for (const el of document.querySelectorAll('time[data-local]')) {
    if (!(el instanceof HTMLElement)) continue;
    const date = new Date(el.getAttribute('datetime') ?? '');
    el.textContent = el.dataset.local === 'datetime' ? date.toLocaleString() : date.toLocaleTimeString();
  }
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-since]')) {
    if (el instanceof HTMLElement) el.textContent = duration(now - Date.parse(el.dataset.since ?? ''));
  }
}

/**
 * Replaces each live region with its fresh copy, keeping keyboard focus on the same link when the region
 * holding it is replaced.
 * @param {Document} fresh
 */
function swap(fresh) {
  const focused = document.activeElement;
  const href = focused?.getAttribute('href');
  for (const region of document.querySelectorAll('[data-live-region]')) {
    const replacement = fresh.getElementById(region.id);
    if (replacement) region.replaceWith(replacement);
  }
  if (href && focused && !document.contains(focused)) {
    const again = [...document.querySelectorAll('a[href]')].find((a) => a.getAttribute('href') === href);
    if (again instanceof HTMLElement) again.focus();
  }
  localTimes();
  tick();
}

/**
 * @param {string} feed
 * @param {HTMLElement} connection
 * @param {HTMLElement} announcement
 */
function follow(feed, connection, announcement) {
  let reading = false;
  let stale = false;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;

  async function refresh() {
    if (reading) {
      stale = true;
      return;
    }
    reading = true;
    try {
      do {
        stale = false;
        const response = await fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' });
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
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      refresh();
    }, 150);
  }

  /** @param {string} state @param {string} text */
  function show(state, text) {
    connection.dataset.state = state;
    connection.textContent = text;
  }

  show('reconnecting', 'Connecting to live updates…');
  const source = new EventSource(feed);
  source.addEventListener('open', () => show('live', 'Live: changes appear as they happen'));
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) show('stopped', 'Live updates stopped; reload the page');
    else show('reconnecting', 'Reconnecting to live updates…');
  });
  source.addEventListener('change', (message) => {
    announcement.textContent = JSON.parse(message.data).summary;
    soon();
  });
  // Too long away to be told every change: the page is read afresh instead.
  source.addEventListener('reset', soon);
}

localTimes();
tick();
setInterval(tick, 1000);

const feed = document.body.dataset.feed;
const connection = document.querySelector('[data-connection]');
const announcement = document.querySelector('[data-announcement]');
if (
  feed &&
  'EventSource' in window &&
  connection instanceof HTMLElement &&
  announcement instanceof HTMLElement
) {
  follow(feed, connection, announcement);
}
