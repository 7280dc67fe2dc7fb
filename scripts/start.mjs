#!/usr/bin/env node
// `npm start`: build the app when dist/ is missing or older than its sources (the build also makes the sample
// image), then serve dist/ with `vite preview` at http://127.0.0.1:4173/ (`--port N` / `--host H` override,
// `--rebuild` forces a build). Works on a fresh clone after `npm install`: nothing else is needed.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
function opt(name, fallback) {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  return args[i].includes('=') ? args[i].slice(name.length + 3) : args[i + 1];
}
const port = opt('port', process.env.PORT ?? '4173');
const host = opt('host', '127.0.0.1');
if (!/^\d+$/.test(String(port))) {
  console.error(`--port wants a number, got "${port}"`);
  process.exit(2);
}

// Newest modification time under the build inputs (skipping nothing big: these trees are small).
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'sample') t = Math.max(t, newest(join(path, name)));
  return t;
}
const inputs = ['src', 'workers', 'public', 'scripts/make-sample.ts', 'index.html', 'vite.config.ts', 'package.json', 'package-lock.json'];
const built = existsSync(join(root, 'dist/index.html')) ? statSync(join(root, 'dist/index.html')).mtimeMs : 0;
const stale = !built || args.includes('--rebuild') || inputs.some((p) => newest(join(root, p)) > built);

// Children run asynchronously so Ctrl+C reaches them too (a blocked parent would leave an orphaned build).
let child;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (child ? child.kill(sig) : process.exit(130)));
function run(cmd, argv, env = process.env) {
  return new Promise((resolveRun) => {
    child = spawn(cmd, argv, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' });
    child.on('exit', (code, signal) => resolveRun(signal ? 128 : (code ?? 1)));
  });
}

if (stale) {
  console.log(built ? 'Sources changed since the last build: building…' : 'Building the app (first run)…');
  // An inherited NODE_ENV=development would make vite build Svelte in dev mode.
  const code = await run('npm', ['run', 'build'], { ...process.env, NODE_ENV: 'production' });
  if (code !== 0) process.exit(code);
}

const vite = join(root, 'node_modules/vite/bin/vite.js');
process.exit(await run(process.execPath, [vite, 'preview', '--host', host, '--port', String(port), '--strictPort']));
