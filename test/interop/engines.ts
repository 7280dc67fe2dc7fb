/**
 * Interop harness: real container engines, started privately for the tests.
 *
 * Everything runs in one temp dir (default under /tmp/lwi, override INTEROP_TMP) with unix sockets only: no TCP,
 * no bridge, no iptables; containers run with `--network none`. Needs root (dockerd, containerd, mounts).
 *
 * ## Daemons (this file)
 *   checkTools(tools?: string[]): Availability            which tools are missing (and whether we are root)
 *   startEngines(opts?: EngineOptions): Promise<Engines>  containerd (+ dockerd 20.10 on that containerd), podman/skopeo/umoci wrappers
 *   attachEngines(info: EngineInfo): Engines              the same API over daemons someone else started (stop() is a no-op)
 *   cleanStaleRuns(root?: string): Promise<string[]>      kill daemons + unmount + remove dirs of crashed earlier runs
 *   interface Engines {
 *     info: EngineInfo                                    dir, sockets, pids, log paths (JSON-able)
 *     docker(args, opts?): Promise<RunResult>             `docker -H unix://…` (CLI 20.10 at /usr/bin/docker when present)
 *     ctr(args, opts?): Promise<RunResult>                `ctr -a … -n lwi` ; ctrNs(ns, args, opts?) for another namespace
 *     podman(args, opts?): Promise<RunResult>             vfs storage + runroot + tmpdir in the run dir, cgroupfs, file events,
 *                                                         own containers.conf (nofile/nproc 1024 so `podman run` works here)
 *     skopeo(args, opts?) / umoci(args, opts?): Promise<RunResult>   TMPDIR in the run dir; skopeo gets --insecure-policy
 *     tmpdir(prefix?): string                             a fresh dir inside the run dir (removed by stop())
 *     logs(): string                                      log file paths + tails, for failure messages
 *     stop(opts?: {saveLogsTo?}): Promise<void>           dockerd, then containerd, by pid; leftovers killed/unmounted; dir removed
 *   }
 *   RunResult = { code, stdout, stderr, command, ms }; RunOptions = { check (default true: throw on exit≠0),
 *   timeoutMs (default 120 s), cwd, env, input, stdoutFile }. Errors carry the command and stderr tail.
 *
 * ## Image checks (images.ts, re-exported here)
 *   dockerLoad(e, archive): Promise<DockerLoad>                         {ok, images, result} — never throws on a load failure
 *   dockerLoadAndRun(e, archive, cmd: string[]): Promise<{load: DockerLoad, run?: RunResult}>  `docker run --rm --network none`
 *   exportedRootfsListing(e, image): Promise<Listing>                   docker create + docker export → sorted entries
 *   containerdImport(e, archive, opts?): Promise<ContainerdImport>      fresh namespace; per-layer snapshot dirs (top last)
 *   containerdWhiteoutDevices(e, archive): Promise<WhiteoutDevice[]>    0/0 char devices in the layer snapshots, each marked
 *                                                                       `expected` when its layer tar holds that whiteout
 *   containerdImportHasWhiteoutDevices(e, archive): Promise<boolean>    true when any device is NOT an expected whiteout
 *   containerdRootfsListing(e, archive, opts?: {snapshotter?}): Promise<Listing>  the merged rootfs (view mounted, listed)
 *   podmanLoad(e, archive): Promise<string> (image ID)   podmanRun(e, image, cmd: string[]): Promise<RunResult>
 *   podmanExportedListing(e, image): Promise<Listing>
 *   skopeoCopy(e, src, dst): Promise<RunResult>   skopeoInspect(e, ref): Promise<any>
 *   umociUnpackListing(e, layoutOrArchive, tag?): Promise<Listing>      umoci unpack (verifies digests + diff_ids) → listing
 *   ociImageToolValidate(e, layoutOrArchive, opts?: {tag?, check?}): Promise<RunResult>
 *   predictedRootfs(layoutOrArchive, tag?): Promise<Listing>            layers applied per the OCI rules by an independent
 *                                                                       model (python tarfile, test/interop/rootfs.py)
 *   diffListings(expected, actual, opts?): string[]                     human-readable differences ([] when equal);
 *                                                                       ignores Docker's init-layer paths by default
 *   tarListing(tar): Promise<Listing>   dirListing(dir): Promise<Listing>   DOCKER_INIT_PATHS, isDockerInitPath(path)
 *   Listing = Entry[]; Entry = {path, type, mode, uid, gid, size, link?, rdev?, sha256?, hardlink?}
 *
 * ## Fixtures (fixtures.ts) — the seed's broken image, made with real tools, no network
 *   buildFixtures(dir, opts?: {big?: boolean}): Promise<Fixtures>
 *   Fixtures = { dir, big, tag, baseRootfs, appRootfs, appTar, appTarGz, baseLayout, baseOciTar, baseDockerTar, baseImage,
 *                brokenLayout, brokenOciTar, brokenDockerTar, brokenImage, lostInBroken, replacedDirs, timings }
 *
 * ## In vitest (context.ts)
 *   interop(): InteropContext — {available, reason, big, engines(): Engines, fixtures(variant?: 'small'|'big'): Promise<Fixtures>}
 *   global-setup.ts starts the engines once per run; without them tests skip, or fail when CI is set.
 *   A test file:  const ctx = interop();  describe.skipIf(!ctx.available)('…', () => { … ctx.engines() … });
 *
 * ## Environment
 *   CI                              set (not "false"/"0"): missing engines fail the suite instead of skipping it
 *   INTEROP_BIG=1                   also run the multi-hundred-MB variants (.ci/run sets it)
 *   INTEROP_TMP                     run root (default /tmp/lwi; keep it short, sockets live there)
 *   INTEROP_FIXTURES_DIR            keep fixtures between runs (default: inside the run dir, rebuilt each run)
 *   INTEROP_LOG_DIR                 where the global setup saves the daemon logs (default .tmp/interop-logs)
 *   INTEROP_DOCKER_STORAGE_DRIVER   overlay2 (default) | vfs — with vfs `docker load` of the broken image succeeds
 *                                   and silently loses the base files instead of failing with mknod
 *   INTEROP_SNAPSHOTTER             overlayfs (default) | native — native has no whiteout devices, it deletes
 *   INTEROP_DOCKER_CLI, INTEROP_PYTHON, INTEROP_BUSYBOX   tool overrides
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { run, sleep, tail, which, type RunOptions, type RunResult } from './exec';

export * from './images';
export type { RunOptions, RunResult } from './exec';

/** Short on purpose: unix socket paths (incl. docker's exec-root sockets) must stay under 108 bytes. */
export const RUN_ROOT = process.env.INTEROP_TMP ?? '/tmp/lwi';

export interface EngineOptions {
  /** Start dockerd too (default true). */
  docker?: boolean;
  /** dockerd --storage-driver (default INTEROP_DOCKER_STORAGE_DRIVER or overlay2; vfs works without overlayfs). */
  storageDriver?: string;
  /** containerd snapshotter used by the import helpers (default INTEROP_SNAPSHOTTER or overlayfs; or native). */
  snapshotter?: string;
  /** Run dir to use (default: a fresh dir under RUN_ROOT). */
  dir?: string;
  /** Readiness timeout per daemon (default 60 s). */
  readyTimeoutMs?: number;
}

export interface EngineInfo {
  dir: string;
  containerdSock: string;
  dockerSock?: string;
  snapshotter: string;
  storageDriver?: string;
  pids: { containerd?: number; dockerd?: number };
  logFiles: string[];
  dockerCli: string;
}

export interface Engines {
  info: EngineInfo;
  docker(args: string[], opts?: RunOptions): Promise<RunResult>;
  ctr(args: string[], opts?: RunOptions): Promise<RunResult>;
  ctrNs(namespace: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  podman(args: string[], opts?: RunOptions): Promise<RunResult>;
  skopeo(args: string[], opts?: RunOptions): Promise<RunResult>;
  umoci(args: string[], opts?: RunOptions): Promise<RunResult>;
  tmpdir(prefix?: string): string;
  logs(): string;
  /** Stop the daemons and remove the run dir; `saveLogsTo` keeps a copy of the daemon logs (for CI artifacts). */
  stop(opts?: { saveLogsTo?: string }): Promise<void>;
}

export interface Availability {
  ok: boolean;
  missing: string[];
  reason: string;
}

/** Every tool the interop suite uses (the fixtures need busybox, rsync, umoci, skopeo, python3, tar). */
export const ALL_TOOLS = ['containerd', 'ctr', 'dockerd', 'docker', 'runc', 'podman', 'skopeo', 'umoci', 'oci-image-tool',
  'rsync', 'busybox', 'python3', 'tar', 'gzip', 'zstd'];

/** The docker CLI: INTEROP_DOCKER_CLI, else Debian's 20.10 CLI (matches the daemon), else the first on PATH. */
export function dockerCli(): string {
  return process.env.INTEROP_DOCKER_CLI ?? (existsSync('/usr/bin/docker') ? '/usr/bin/docker' : which('docker') ?? 'docker');
}

export function checkTools(tools: string[] = ALL_TOOLS): Availability {
  const missing: string[] = [];
  for (const t of tools) {
    const p = t === 'docker' ? (existsSync(dockerCli()) || which(dockerCli()) ? dockerCli() : undefined) : which(t);
    if (!p) missing.push(t);
  }
  const problems: string[] = [];
  if (missing.length) problems.push(`missing tools: ${missing.join(', ')} (run scripts/ci-install.sh as root)`);
  if (process.platform !== 'linux') problems.push(`needs Linux (this is ${process.platform})`);
  else if (process.getuid?.() !== 0) problems.push('needs root (dockerd/containerd mount filesystems)');
  return { ok: problems.length === 0, missing, reason: problems.join('; ') };
}

// ---------------------------------------------------------------------------------------------------------------
// Process bookkeeping: a run dir records its owner (pid + start time) so a later run can tell a crashed run's
// leftovers from a concurrent live run, and kill/unmount/remove only the former.

function procStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined; // a zombie is as good as dead
    return fields[19]; // field 22 (starttime), counted after "pid (comm)"
  } catch {
    return undefined;
  }
}

function procCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  return procStartTime(pid) !== undefined;
}

function writeOwner(dir: string): void {
  writeFileSync(join(dir, 'owner'), `${process.pid} ${procStartTime(process.pid) ?? ''}\n`);
}

function ownerAlive(dir: string): boolean {
  try {
    const [pid, start] = readFileSync(join(dir, 'owner'), 'utf8').trim().split(' ');
    return procStartTime(Number(pid)) === start;
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `dir` (daemons and containerd shims of that run). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (procCmdline(pid).includes(dir + '/')) pids.push(pid);
  }
  return pids;
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let left = pids.filter(alive);
  while (left.length && Date.now() < until) {
    await sleep(100);
    left = left.filter(alive);
  }
  return left;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* already gone */ }
}

function mountsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const path = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (path === dir || path.startsWith(dir + '/')) out.push(path);
  }
  return out.sort((a, b) => b.length - a.length); // deepest first
}

/** Kill every process of the run, unmount what is left, remove the dir. Tolerates busy mounts (warns). */
async function teardownDir(dir: string, log: (m: string) => void): Promise<void> {
  // Polite first: dockerd stops its containers and unmounts its data-root when it gets SIGTERM; then containerd.
  const dockerds = processesUnder(dir).filter((p) => procCmdline(p).startsWith('dockerd '));
  for (const p of dockerds) signal(p, 'SIGTERM');
  await waitGone(dockerds, 20_000);
  const containerds = processesUnder(dir).filter((p) => procCmdline(p).startsWith('containerd '));
  for (const p of containerds) signal(p, 'SIGTERM');
  await waitGone(containerds, 10_000);
  for (const p of processesUnder(dir)) {
    log(`killing leftover process ${p}: ${procCmdline(p).slice(0, 200)}`);
    signal(p, 'SIGKILL');
  }
  await waitGone(processesUnder(dir), 5_000);
  for (const m of mountsUnder(dir)) {
    const r = await run('umount', [m], { check: false, timeoutMs: 20_000 });
    if (r.code !== 0) await run('umount', ['-l', m], { check: false, timeoutMs: 20_000 });
  }
  for (let i = 0; i < 3; i++) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      return;
    } catch (e) {
      if (i === 2) log(`could not remove ${dir} (${(e as Error).message}); the next run will retry`);
      await sleep(500);
    }
  }
}

/** Remove the leftovers of earlier runs whose owner process is gone (crashed or killed). Returns the dirs cleaned. */
export async function cleanStaleRuns(root: string = RUN_ROOT, log: (m: string) => void = console.warn): Promise<string[]> {
  if (!existsSync(root)) return [];
  const cleaned: string[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (ownerAlive(dir)) continue;
    log(`interop: cleaning leftovers of an earlier run: ${dir}`);
    await teardownDir(dir, log);
    cleaned.push(dir);
  }
  return cleaned;
}

/** A fresh run dir under RUN_ROOT, owned by this process. */
export function newRunDir(prefix = 'r'): string {
  mkdirSync(RUN_ROOT, { recursive: true });
  const dir = mkdtempSync(join(RUN_ROOT, `${prefix}${process.pid}-`));
  writeOwner(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------------------------

function logTails(files: string[]): string {
  return files
    .map((f) => {
      let t = '';
      try { t = tail(readFileSync(f, 'utf8'), 3000); } catch { t = '(missing)'; }
      return `==> ${f} <==\n${t}`;
    })
    .join('\n');
}

function spawnDaemon(cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: env ?? process.env });
  closeSync(fd);
  child.on('error', () => { /* reported by the readiness wait */ });
  return child;
}

async function waitReady(what: string, child: ChildProcess, probe: () => Promise<boolean>, timeoutMs: number, logFile: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, sig) => { exited = `exited with ${code ?? sig}`; });
  while (Date.now() < until) {
    if (exited) break;
    if (await probe().catch(() => false)) return;
    await sleep(200);
  }
  throw new Error(`${what} did not become ready (${exited ?? `timeout ${timeoutMs} ms`}); log: ${logFile}\n${logTails([logFile])}`);
}

function containerdConfig(dir: string): string {
  return `version = 2
root = "${dir}/containerd/root"
state = "${dir}/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "${dir}/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/containerd/opt"
`;
}

const exitHooks = new Set<() => void>();
let exitHookInstalled = false;
function onProcessExit(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort when the test process ends without stop(): ask the daemons to shut down (they clean their own
    // mounts); the next run's cleanStaleRuns() removes whatever is left.
    process.on('exit', () => { for (const f of exitHooks) f(); });
  }
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}

export async function startEngines(opts: EngineOptions = {}): Promise<Engines> {
  const need = ['containerd', 'ctr', 'podman', 'skopeo', 'umoci'].concat(opts.docker === false ? [] : ['dockerd', 'docker', 'runc']);
  const avail = checkTools(need);
  if (!avail.ok) throw new Error(`interop engines unavailable: ${avail.reason}`);
  await cleanStaleRuns();
  const dir = opts.dir ?? newRunDir();
  if (opts.dir) { mkdirSync(dir, { recursive: true }); writeOwner(dir); }
  const timeout = opts.readyTimeoutMs ?? 60_000;
  const info: EngineInfo = {
    dir,
    containerdSock: join(dir, 'containerd.sock'),
    snapshotter: opts.snapshotter ?? process.env.INTEROP_SNAPSHOTTER ?? 'overlayfs',
    pids: {},
    logFiles: [],
    dockerCli: dockerCli(),
  };
  const children: ChildProcess[] = [];
  const unhook = onProcessExit(() => { for (const c of children) if (c.pid && c.exitCode === null) signal(c.pid, 'SIGTERM'); });
  let engines: Engines | undefined;
  try {
    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir));
    const ctrdLog = join(dir, 'containerd.log');
    info.logFiles.push(ctrdLog);
    const ctrd = spawnDaemon('containerd', ['--config', join(dir, 'containerd.toml')], ctrdLog);
    children.push(ctrd);
    info.pids.containerd = ctrd.pid;
    engines = attachEngines(info);
    const e = engines;
    await waitReady('containerd', ctrd, async () => existsSync(info.containerdSock) && (await e.ctr(['version'], { check: false, timeoutMs: 5000 })).code === 0, timeout, ctrdLog);

    if (opts.docker !== false) {
      info.dockerSock = join(dir, 'docker.sock');
      info.storageDriver = opts.storageDriver ?? process.env.INTEROP_DOCKER_STORAGE_DRIVER ?? 'overlay2';
      const dockerdLog = join(dir, 'dockerd.log');
      info.logFiles.push(dockerdLog);
      // deprecated-key-path keeps dockerd 20.10 from writing /etc/docker/key.json; the config file keeps
      // /etc/docker/daemon.json out of the picture.
      writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': join(dir, 'docker-key.json') }));
      const dockerd = spawnDaemon('dockerd', [
        '--config-file', join(dir, 'daemon.json'),
        '--data-root', join(dir, 'docker'), '--exec-root', join(dir, 'dx'),
        '-H', `unix://${info.dockerSock}`, '--pidfile', join(dir, 'docker.pid'),
        '--iptables=false', '--ip-masq=false', '--bridge=none', '--userland-proxy=false',
        '--storage-driver', info.storageDriver, '--containerd', info.containerdSock,
      ], dockerdLog);
      children.push(dockerd);
      info.pids.dockerd = dockerd.pid;
      engines = attachEngines(info);
      const e2 = engines;
      await waitReady('dockerd', dockerd, async () => existsSync(info.dockerSock!) && (await e2.docker(['version', '--format', '{{.Server.Version}}'], { check: false, timeoutMs: 10_000 })).code === 0, timeout, dockerdLog);
    }
  } catch (err) {
    await teardownDir(dir, console.warn);
    unhook();
    throw err;
  }
  const attached = engines;
  let stopped = false;
  return {
    ...attached,
    async stop(stopOpts) {
      if (stopped) return;
      stopped = true;
      // dockerd first: it stops its containers and unmounts its data-root, then containerd (and its shims).
      const byPid = async (pid: number | undefined, ms: number) => {
        if (!pid || !alive(pid)) return;
        signal(pid, 'SIGTERM');
        if ((await waitGone([pid], ms)).length) {
          console.warn(`interop: pid ${pid} ignored SIGTERM for ${ms} ms; killing it`);
          signal(pid, 'SIGKILL');
          await waitGone([pid], 5000);
        }
      };
      await byPid(info.pids.dockerd, 30_000);
      await byPid(info.pids.containerd, 15_000);
      if (stopOpts?.saveLogsTo) {
        mkdirSync(stopOpts.saveLogsTo, { recursive: true });
        for (const f of info.logFiles) if (existsSync(f)) copyFileSync(f, join(stopOpts.saveLogsTo, basename(f)));
      }
      await teardownDir(dir, console.warn);
      unhook();
    },
  };
}

/** The Engines API over daemons described by `info` (e.g. started by the vitest global setup). stop() is a no-op. */
export function attachEngines(info: EngineInfo): Engines {
  const dir = info.dir;
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const dockerEnv: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-cli'), DOCKER_HOST: info.dockerSock ? `unix://${info.dockerSock}` : undefined };
  delete dockerEnv.DOCKER_CONTEXT;
  delete dockerEnv.DOCKER_TLS_VERIFY;
  delete dockerEnv.DOCKER_CERT_PATH;
  const storageConf = join(dir, 'podman-storage.conf');
  if (!existsSync(storageConf)) {
    writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/podman"\nrunroot = "${dir}/podman-run"\n`);
  }
  // Our own containers.conf (replaces the system's): rlimits podman can set under this machine's hard limits
  // (its defaults, nofile=1048576 and the host's nproc, make runc fail with "error setting rlimit type 7/6").
  const containersConf = join(dir, 'podman-containers.conf');
  if (!existsSync(containersConf)) {
    writeFileSync(containersConf, `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n` +
      `[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n`);
  }
  const toolEnv = { ...process.env, TMPDIR: tmp, CONTAINERS_STORAGE_CONF: storageConf, CONTAINERS_CONF: containersConf };
  const withEnv = (opts: RunOptions | undefined, env: NodeJS.ProcessEnv): RunOptions => ({ ...opts, env: { ...env, ...opts?.env } });
  const ctrNs = (ns: string, args: string[], opts?: RunOptions) => run('ctr', ['-a', info.containerdSock, '-n', ns, ...args], opts);
  return {
    info,
    docker(args, opts) {
      if (!info.dockerSock) throw new Error('dockerd was not started (startEngines({docker: false}))');
      return run(info.dockerCli, ['-H', `unix://${info.dockerSock}`, ...args], withEnv(opts, dockerEnv));
    },
    ctr: (args, opts) => ctrNs('lwi', args, opts),
    ctrNs,
    podman: (args, opts) => run('podman', [
      '--storage-driver', 'vfs', '--root', join(dir, 'podman'), '--runroot', join(dir, 'podman-run'),
      '--tmpdir', join(dir, 'podman-tmp'), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
      '--network-config-dir', join(dir, 'podman-net'), ...args,
    ], withEnv(opts, toolEnv)),
    skopeo: (args, opts) => run('skopeo', ['--insecure-policy', ...args], withEnv(opts, toolEnv)),
    umoci: (args, opts) => run('umoci', args, withEnv(opts, toolEnv)),
    tmpdir(prefix = 't') {
      return mkdtempSync(join(tmp, `${prefix}-`));
    },
    logs: () => `interop logs (run dir ${dir}):\n${logTails(info.logFiles)}`,
    async stop() { /* attached: the starter stops */ },
  };
}

/** Random short id for names (images, namespaces, containers). */
export function uid(): string {
  return randomBytes(4).toString('hex');
}
