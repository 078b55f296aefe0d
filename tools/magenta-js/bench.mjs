// Speed baseline: faces per second drawn by @magenta/sketch 0.2.0's own sampling loop (tfjs cpu).
//
// usage: node bench.mjs --model PATH/face.gen.json [--n 20] [--temperature 0.25]
//
// Draws n faces one at a time, as the sketch-rnn demos and ml5 do: start from zeroState() and
// zeroInput(), then update -> getPDF(state, temperature) -> sample until the end pen state
// (p3 = 1) or max_seq_len steps. One untimed face warms up the backend first. Sampling uses
// Math.random (unseeded), so mean_steps varies a little between runs.
// Prints ONE JSON line to stdout: {faces_per_s, n, seconds, mean_steps, library, backend, ...};
// all logging goes to stderr.
import { LIBRARY, loadSketchRNN, parseOptions } from './sketchrnn.mjs';

const USAGE = 'node bench.mjs --model PATH [--n 20] [--temperature 0.25]';
const args = parseOptions({ model: undefined, n: '20', temperature: '0.25' }, USAGE);
const n = Number(args.n);
const temperature = Number(args.temperature);
if (!(n >= 1) || !(temperature > 0)) {
  console.error(`--n must be >= 1 and --temperature > 0\nusage: ${USAGE}`);
  process.exit(2);
}

const { model, backend } = await loadSketchRNN(args.model);
const maxSteps = model.info.max_seq_len;

/** Draw one face; returns the number of strokes sampled (the end token included). */
function drawFace() {
  let state = model.zeroState();
  let stroke = model.zeroInput();
  let steps = 0;
  while (steps < maxSteps) {
    state = model.update(stroke, state);
    stroke = model.sample(model.getPDF(state, temperature));
    steps += 1;
    if (stroke[4] === 1) break;
  }
  return steps;
}

drawFace(); // warm-up, untimed
const start = process.hrtime.bigint();
let totalSteps = 0;
for (let i = 0; i < n; i++) totalSteps += drawFace();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;

console.log(
  JSON.stringify({
    faces_per_s: Number((n / seconds).toFixed(3)),
    n,
    seconds: Number(seconds.toFixed(4)),
    mean_steps: Number((totalSteps / n).toFixed(2)),
    library: LIBRARY,
    backend: `tfjs ${backend} (node ${process.version})`,
    temperature,
    max_seq_len: maxSteps,
  }),
);
