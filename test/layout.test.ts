// The one-way layout of DESIGN §3, checked on the source itself: the pure domain imports nothing of ours
// but itself, the HTTP plugins reach the database only through commands/ (webhooks) or reads/ (api,
// dashboard), never through store/, Kysely or a row type, and never through each other; and nothing under
// them (commands/, reads/, store/, the simulator) reaches up into a plugin.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module a file imports, as a path under src/ for our own modules and as written for packages. */
function importsOf(file: string, root = SRC): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map(
    (match) => (match[1] ?? match[2]) as string,
  );
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? relative(root, resolve(dirname(file), specifier)) : specifier,
  );
}

function offending(folder: string, allowed: (target: string) => boolean, root = SRC): string[] {
  return filesUnder(join(root, folder)).flatMap((file) =>
    importsOf(file, root)
      .filter((target) => !allowed(target))
      .map((target) => `${relative(root, file)} imports ${target}`),
  );
}

const inside = (folder: string) => (target: string) => target.startsWith(`${folder}/`);

describe('the layout', () => {
  it('keeps the domain pure: it imports only itself', () => {
    expect(offending('domain', inside('domain'))).toEqual([]);
  });

  const plugins = [
    { folder: 'webhooks', reaches: 'commands', others: ['api', 'dashboard', 'reads'] },
    { folder: 'api', reaches: 'reads', others: ['webhooks', 'dashboard', 'commands'] },
    { folder: 'dashboard', reaches: 'reads', others: ['webhooks', 'api', 'commands'] },
  ];
  for (const { folder, reaches, others } of plugins) {
    it(`lets ${folder}/ reach the database only through ${reaches}/`, () => {
      const forbidden = (target: string) =>
        target.startsWith('store/') ||
        target === 'kysely' ||
        target === 'pg' ||
        target.startsWith('@electric-sql/') ||
        others.some((other) => target.startsWith(`${other}/`));
      expect(offending(folder, (target) => !forbidden(target))).toEqual([]);
    });
  }

  it('lets the plugins share top-level modules that reach neither the database nor another plugin', () => {
    const pluginFolders = plugins.map((plugin) => plugin.folder);
    // Only what runs: a plugin may name a type of the app around it (metrics.ts) without running its code.
    const shared = new Set(
      pluginFolders.flatMap((folder) =>
        filesUnder(join(SRC, folder)).flatMap((file) =>
          [...readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from '(\.[^']+)'/gm)]
            .map((match) => relative(SRC, resolve(dirname(file), match[1] as string)))
            .filter((target) => !target.includes('/')),
        ),
      ),
    );
    const reachesFurther = (target: string) =>
      ['store', 'commands', 'reads', ...pluginFolders].some((folder) => target.startsWith(`${folder}/`)) ||
      target === 'kysely' ||
      target === 'pg';
    const leaks = [...shared].flatMap((module) =>
      importsOf(join(SRC, module.replace(/\.js$/, '.ts')))
        .filter(reachesFurther)
        .map((target) => `${module} imports ${target}`),
    );
    expect(shared.size).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });

  it('keeps the write side, the read side and the infrastructure apart from the HTTP plugins', () => {
    const plugin = (target: string) => ['webhooks/', 'api/', 'dashboard/'].some((p) => target.startsWith(p));
    for (const folder of ['commands', 'reads', 'store', 'simulate'])
      expect(
        offending(folder, (target) => !plugin(target)),
        folder,
      ).toEqual([]);
  });

  it('keeps row types inside store/, commands/ and reads/', () => {
    const outside = filesUnder(SRC).filter(
      (file) =>
        !['store', 'commands', 'reads'].some((folder) => relative(SRC, file).startsWith(`${folder}/`)),
    );
    const users = outside.filter((file) => importsOf(file).includes('store/schema.js'));
    expect(users.map((file) => relative(SRC, file))).toEqual([]);
    // What the read side hands the plugins is written out in its own words, not derived from a table.
    expect(importsOf(join(SRC, 'reads', 'models.ts'))).toEqual([]);
  });

  it('hands the health and metrics plugins what to ask, not the database', () => {
    for (const module of ['health.ts', 'metrics.ts']) {
      const text = readFileSync(join(SRC, module), 'utf8');
      // A type of store/ (a refusal's cause) names a value; only what runs could reach the database.
      const running = [...text.matchAll(/^import (?!type )[^;]*?from '([^']+)'/gm)].map((m) => m[1]);
      const reaching = running.filter(
        (target) => target?.includes('store/') || target === 'kysely' || target === 'pg',
      );
      expect(reaching, module).toEqual([]);
      expect(text, module).not.toMatch(/[{,]\s*(type\s+)?Database\s*[,}]|Kysely/);
    }
  });

  it('would notice a plugin that imports store/', () => {
    const root = mkdtempSync(join(tmpdir(), 'layout-'));
    mkdirSync(join(root, 'api'));
    writeFileSync(join(root, 'api', 'planted.ts'), "import { openDatabase } from '../store/database.js';\n");
    expect(offending('api', (target) => !target.startsWith('store/'), root)).toEqual([
      'api/planted.ts imports store/database.js',
    ]);
  });
});
