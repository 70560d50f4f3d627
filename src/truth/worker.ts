// A truth-engine worker thread: runs scan tasks on its own kernel instance.
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';
import { Scan } from './scan.ts';

const port = parentPort;
if (!port) throw new Error('src/truth/worker.ts runs only as a worker thread');

let scan: Scan | null = null;

function reply(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'setup') scan = new Scan(message.setup);
    else if (message.type === 'task') {
      if (!scan) throw new Error('task before setup');
      scan.run(message.task);
      reply({ type: 'done' });
    } else {
      if (!scan) throw new Error('finish before setup');
      const candidates = scan.finish();
      scan = null;
      reply({ type: 'candidates', candidates }, [candidates.ids.buffer as ArrayBuffer, candidates.badness.buffer as ArrayBuffer, candidates.sizes.buffer as ArrayBuffer]);
    }
  } catch (err) {
    reply({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
