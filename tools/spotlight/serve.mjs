// Starts Spotlight's sidecar (server + UI) like the package's own `spotlight` binary (dist/run.js), minus its
// dist/instrument.js: that file initialises @sentry/node with Spotlight's own DSN at sentry.io and sends the CLI's
// traces, logs and argv there. A local tool of this project sends nothing off the machine.
// Usage: node serve.mjs server --port <port>   (the arguments are Spotlight's own CLI arguments)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package exports only dist/server/main.js; the CLI and the UI are its siblings (pinned version: 4.11.8).
const server = fileURLToPath(new URL('.', import.meta.resolve('@spotlightjs/spotlight')));
const { main } = await import(new URL('cli.js', import.meta.resolve('@spotlightjs/spotlight')).href);
const ui = join(server, '..', 'ui');
const manifest = JSON.parse(readFileSync(join(ui, 'manifest.json'), 'utf8'));
const filesToServe = Object.create(null);
filesToServe['index.html'] = readFileSync(join(ui, 'index.html'));
for (const entry of Object.values(manifest)) {
  if (entry && typeof entry === 'object' && typeof entry.file === 'string') {
    filesToServe[entry.file] = readFileSync(join(ui, entry.file));
  }
}
await main({ basePath: process.cwd(), filesToServe });
