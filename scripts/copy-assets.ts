// Run by `npm run build`: the compiler writes JavaScript only, so the dashboard's stylesheet, script and icon
// are copied beside the compiled module that serves them.

import { cpSync } from 'node:fs';

cpSync('src/dashboard/assets', 'dist/src/dashboard/assets', { recursive: true });
