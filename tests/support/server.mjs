// What the Node tests (tests/e2e, tests/api) need to run the real binary: a free loopback port, and a wait
// until the started server answers /healthz (or has exited), and a clean stop.
import { createServer } from 'node:net';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForServer(url, child, log, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`semaphore exited with ${child.exitCode}; see ${log}`);
    try {
      if ((await fetch(url + '/healthz')).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`semaphore did not answer within ${seconds} s; see ${log}`);
}

// Stops a started server: SIGTERM, then SIGKILL if it has not exited within 10 s.
export async function stopServer(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
