// Summarises a CPU profile from `npm run bench -- --profile`: where the process spent its time, by
// package or source file and by function (self time), so that a miss in RESULTS.md can name its cause.
//
//   npx tsx bench/profile-summary.ts bench/profiles/ingest.cpuprofile [--top N]

import { readFileSync } from 'node:fs';
import { parseOptions, usageError, wholeNumber } from './options.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const USAGE = 'npx tsx bench/profile-summary.ts FILE.cpuprofile... [--top N]';
const { values, positionals } = parseOptions(
  { allowPositionals: true, options: { top: { type: 'string', default: '25' } } },
  USAGE,
);
const top = wholeNumber('top', values.top, 1, USAGE);
if (positionals.length === 0) usageError('name at least one .cpuprofile file', USAGE);

/** A package under node_modules, a file of this repository, or what V8 calls the rest (GC, idle…). */
function areaOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const own = /\/(dist\/)?((?:src|bench)\/.*)$/.exec(url);
  if (own?.[2]) return own[2];
  return url.startsWith('node:') ? url : url.replace(/^.*\//, '');
}

function table(title: string, totals: Map<string, number>, all: number): string[] {
  const rows = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    title,
    ...rows.map(
      ([name, us]) =>
        `${((100 * us) / all).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    ),
    '',
  ];
}

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const nameOf = ({ callFrame: { functionName, url, lineNumber } }: ProfileNode) =>
    `${functionName || '(anonymous)'} ${areaOf(url, functionName)}:${lineNumber + 1}`;
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  // Time spent in a function of this repository or in anything it called, counted once per sample.
  const inclusive = new Map<string, number>();
  let all = 0;
  for (const [i, id] of profile.samples.entries()) {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (node === undefined) continue;
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    all += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    functions.set(nameOf(node), (functions.get(nameOf(node)) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = byId.get(at);
      if (frame && /\/(src|bench)\//.test(frame.callFrame.url)) onStack.add(nameOf(frame));
    }
    for (const name of onStack) inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
  console.log(
    [
      `${file}: ${(all / 1000).toFixed(0)} ms sampled`,
      '',
      ...table('By package or file (self time):', areas, all),
      ...table('By function (self time):', functions, all),
      ...table("This repository's functions (with what they call):", inclusive, all),
    ].join('\n'),
  );
}
