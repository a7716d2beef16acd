/**
 * Child process: an HTTP load generator with keep-alive connections (node:http
 * Agent), so the load does not share an event loop with the server or the bench.
 * Receives one job over IPC, answers with counts and latencies, then exits.
 */
import http from 'node:http';

export interface LoadJob {
  url: string;
  /** Request bodies and their headers; clients take them round-robin. */
  requests: { body: string; headers: Record<string, string> }[];
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  /** Milliseconds, one per measured request. */
  latencies: number[];
}

function post(agent: http.Agent, url: URL, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(job: LoadJob): Promise<LoadResult> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  let next = 0;
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const client = async () => {
    while (!stop) {
      const request = job.requests[next++ % job.requests.length]!;
      const started = performance.now();
      let ok = false;
      let detail = '';
      try {
        const { status, text } = await post(agent, url, request.body, request.headers);
        ok = status === 200 && !text.includes('"errors"');
        if (!ok) detail = `${status} ${text.slice(0, 300)}`;
      } catch (error) {
        detail = String(error);
      }
      if (!measuring) continue;
      if (ok) latencies.push(performance.now() - started);
      else {
        errors++;
        firstError ??= detail;
      }
    }
  };
  const clients = Array.from({ length: job.concurrency }, client);
  await new Promise((resolve) => setTimeout(resolve, job.warmupMs));
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, job.durationMs));
  measuring = false;
  const elapsedMs = performance.now() - started;
  stop = true;
  await Promise.all(clients);
  agent.destroy();
  return { requests: latencies.length, errors, firstError, elapsedMs, latencies };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: unknown) => process.send!({ ok: false, error: String((error as Error).stack ?? error) }, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(0));
