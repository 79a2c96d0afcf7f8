// The template tag every page is built with: values are text unless they are already HTML.

import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/dashboard/html.js';

describe('html', () => {
  it('escapes the five characters HTML gives meaning to, and leaves the rest of Unicode alone', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a> ☃ 日本 \u2028`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; ☃ 日本 \u2028',
    );
  });

  it('escapes interpolated text, arrays of it and numbers, but not HTML it built itself', () => {
    const name = '<b>"O\'Brien" & co</b>';
    const item = (text: string) => html`<li>${text}</li>`;
    expect(html`<p title="${name}">${name}</p><ul>${[name, 'ok'].map(item)}</ul>${3}`.text).toBe(
      '<p title="&lt;b&gt;&quot;O&#39;Brien&quot; &amp; co&lt;/b&gt;">&lt;b&gt;&quot;O&#39;Brien&quot; &amp; co&lt;/b&gt;</p>' +
        '<ul><li>&lt;b&gt;&quot;O&#39;Brien&quot; &amp; co&lt;/b&gt;</li><li>ok</li></ul>3',
    );
  });

  it('leaves out null, undefined and false, so that conditions read plainly', () => {
    expect(html`[${null}${undefined}${false}]`.text).toBe('[]');
  });
});
