// Preloaded into the server process by `npm run bench -- --cpu-prof` (NODE_OPTIONS=--import=…;
// `--cpu-prof` itself is not allowed in NODE_OPTIONS). Each SIGUSR2 toggles V8's sampling
// profiler through node:inspector: the first starts it, the next writes
// <LIXIAO_CPU_PROFILE_DIR>/<n>.cpuprofile, so the bench profiles just one scenario at a time.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.LIXIAO_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  let running = false;
  let count = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.start');
      return;
    }
    running = false;
    const n = ++count;
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${n}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
