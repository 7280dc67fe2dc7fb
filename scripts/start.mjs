#!/usr/bin/env node
// `npm start`: build the app when dist/ is missing or older than its sources (the build also makes the sample
// image), then serve dist/ with `vite preview` at http://127.0.0.1:4173/ (`--port N` / `--host H` override,
// `--rebuild` forces a build). Works on a fresh clone after `npm install`: nothing else is needed.
import { spawn, spawnSync } from 'node:child_process';
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

if (stale) {
  console.log(built ? 'Sources changed since the last build: building…' : 'Building the app (first run)…');
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const vite = join(root, 'node_modules/vite/bin/vite.js');
const child = spawn(process.execPath, [vite, 'preview', '--host', host, '--port', String(port), '--strictPort'], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
