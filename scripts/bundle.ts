// Run by `npm run build`, after the compiler: the `conclave` command becomes one file with the libraries it
// uses. Node.js loads a module graph file by file, and Kysely's and Fastify's hundreds of files took most of
// a start (0.7 s of module loading against 0.4 s bundled); every start, first starts and the CLI's commands
// included, pays that. PGlite stays outside, since it finds its WebAssembly and data files beside its own
// module, and so do the optional native drivers `pg` looks for.

import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/src/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@electric-sql/pglite', 'pg-native', 'pg-cloudflare'],
  // The libraries written as CommonJS call `require` for Node.js's own modules, which an ES module lacks.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
