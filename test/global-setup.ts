// The CLI tests run the built `conclave` command, as `npm start` and `npx conclave` do.

import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
}
