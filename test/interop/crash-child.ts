// Helper process for harness.test.ts: start engines (optionally with a running container), print their info as
// one JSON line, then wait to be killed with SIGKILL — a crashed test run, as far as the daemons can tell.
import { dockerLoad, startEngines } from './engines';

const [archive, image] = process.argv.slice(2);
const e = await startEngines();
if (archive && image) {
  const load = await dockerLoad(e, archive);
  if (!load.ok) throw new Error(load.result.stderr);
  await e.docker(['run', '-d', '--network', 'none', '--stop-timeout', '1', image, '/bin/sleep', '600']);
}
console.log(JSON.stringify(e.info));
setInterval(() => {}, 1 << 30);
