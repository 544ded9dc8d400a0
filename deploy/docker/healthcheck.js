// The image's HEALTHCHECK: GET /healthz on this container's agent --health address (LOADFLEET_HEALTH) or
// coordinator --metrics address (LOADFLEET_METRICS). Healthy (exit 0) when one of them answers 200, or
// when neither is set (nothing to ask: the process is alive if the container runs). Plain Node, no deps.
import { get } from 'node:http';

const addrs = [process.env.LOADFLEET_HEALTH, process.env.LOADFLEET_METRICS].filter((a) => a !== undefined && a.trim() !== '');
if (addrs.length === 0) process.exit(0);

function probe(addr) {
  const i = addr.lastIndexOf(':');
  let host = addr.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  if (host === '0.0.0.0' || host === '::' || host === '') host = '127.0.0.1';
  return new Promise((resolve) => {
    const req = get({ host, port: Number(addr.slice(i + 1)), path: '/healthz', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

const results = await Promise.all(addrs.map(probe));
process.exit(results.some(Boolean) ? 0 : 1);
