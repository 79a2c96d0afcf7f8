// Reads the deployment files the way Docker does, so that a test can replay the deployment as plain
// processes: docker-compose.yml with compose's variable interpolation, an env file, and the exec-form
// commands of the Dockerfile.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');

type Variables = Record<string, string>;

/** KEY=VALUE lines, skipping blank lines and # comments, as compose reads `.env`. */
export function readEnvFile(file: string): Variables {
  const variables: Variables = {};
  for (const line of readFileSync(join(ROOT, file), 'utf8').split('\n')) {
    const match = /^([A-Za-z_]\w*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) variables[match[1]] = match[2] ?? '';
  }
  return variables;
}

/**
 * Compose's interpolation for the forms the file uses: `$$`, `${NAME}`, `${NAME:-default}` and
 * `${NAME:?message}` (both treat empty as unset). Any other `$` form throws, so that the file cannot
 * start using syntax this reading would get wrong.
 */
function interpolate(text: string, variables: Variables): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:-|:\?)([^}]*))?\}|\$/g,
    (match, name?: string, operator?: string, operand?: string) => {
      if (match === '$$') return '$';
      if (name === undefined) throw new Error(`unsupported interpolation in ${JSON.stringify(text)}`);
      const value = variables[name] ?? '';
      if (value !== '') return value;
      if (operator === ':?') throw new Error(`${name}: ${operand}`);
      return operator === ':-' ? (operand ?? '') : '';
    },
  );
}

function interpolateAll(node: unknown, variables: Variables): unknown {
  if (typeof node === 'string') return interpolate(node, variables);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, variables));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, variables)]));
  }
  return node;
}

export interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
}

/** The services of docker-compose.yml, interpolated with `variables`. */
export function readComposeServices(variables: Variables): Record<string, ComposeService> {
  const document = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as unknown;
  return (interpolateAll(document, variables) as { services: Record<string, ComposeService> }).services;
}

/** The exec-form command of a Dockerfile instruction (`CMD`, or `HEALTHCHECK … CMD`). */
export function dockerfileCommand(instruction: 'CMD' | 'HEALTHCHECK'): string[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
  const line = lines.find((l) => l.startsWith(`${instruction} `));
  const json = line && /\bCMD\s+(\[.*\])\s*$/.exec(line)?.[1];
  if (!json) throw new Error(`no exec-form ${instruction} in the Dockerfile`);
  return JSON.parse(json) as string[];
}

/** What the Dockerfile's COPY instructions take from the build context (not from another stage). */
export function dockerfileCopySources(): string[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
  return lines
    .filter((line) => line.startsWith('COPY ') && !/\s--from=/.test(line))
    .flatMap((line) => line.trim().split(/\s+/).slice(1, -1));
}

/**
 * Whether the build context holds `path` under .dockerignore: the last pattern that matches decides, and a
 * pattern matches a path or any path below it. Only the forms the file uses are read (a lone `*`, plain
 * names, each maybe negated); any other throws, so that the file cannot outgrow this reading unseen.
 */
export function inBuildContext(path: string): boolean {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let included = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const name = negated ? pattern.slice(1) : pattern;
    if (name !== '*' && /[*?[\]\\]/.test(name))
      throw new Error(`unsupported .dockerignore pattern ${pattern}`);
    if (name === '*' || path === name || path.startsWith(`${name}/`)) included = negated;
  }
  return included;
}
