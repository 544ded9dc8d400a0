// Entry of the built-in target as its own process: prints `listening <url>` on stdout, then serves
// until SIGTERM/SIGINT. Usage: node target-main.js [port]
import { startTarget } from './target.js';

const port = Number(process.argv[2] ?? 0);
const target = await startTarget({ port });
process.stdout.write(`listening ${target.url}\n`);
const stop = (): void => {
  void target.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
