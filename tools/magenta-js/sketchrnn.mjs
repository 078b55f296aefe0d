// Shared helpers for parity.mjs and bench.mjs: load @magenta/sketch's SketchRNN in node.
//
// SketchRNN.initialize() does `fetch(checkpointURL).then(r => r.json())`, so we serve the
// model file over a throwaway loopback HTTP server (127.0.0.1, ephemeral port) and use
// node 20's global fetch. atob (used to decode the base64 weights) is also global in node 20.
// tfjs 1.x has no native backend here; we pin the pure-JS 'cpu' backend (no tfjs-node binary).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import ms from '@magenta/sketch';

export const LIBRARY = '@magenta/sketch 0.2.0';

/** Parse `--name value` options; `spec` maps option name -> default string. */
export function parseOptions(spec, usage) {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, value]) => [name, { type: 'string', default: value }]),
  );
  try {
    const { values } = parseArgs({ options });
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) throw new Error(`--${name} is required`);
    }
    return values;
  } catch (err) {
    console.error(`${err.message}\nusage: ${usage}`);
    process.exit(2);
  }
}

/** Load the model at `path` through the library's own initialize(); returns {model, sha256, backend}. */
export async function loadSketchRNN(path) {
  const bytes = readFileSync(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  await ms.tf.setBackend('cpu');
  await ms.tf.ready();
  // The library console.log()s "Initialized SketchRNN."; keep stdout for our JSON only.
  const log = console.log;
  console.log = console.error;
  const model = new ms.SketchRNN(`http://127.0.0.1:${port}/face.gen.json`);
  try {
    await model.initialize();
  } finally {
    console.log = log;
    server.close();
  }
  return { model, sha256, backend: ms.tf.getBackend() };
}
