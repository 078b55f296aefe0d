// Golden parity data from the reference @magenta/sketch 0.2.0 SketchRNN (tfjs cpu backend).
//
// usage: node parity.mjs --model PATH/face.gen.json --out tests/generator/golden/face_parity.json
//        [--data PATH/quickdraw_face_sample.ndjson] [--tolerance 6]
//
// Teacher-forces one fixed input sequence through the library's update() from zeroState(),
// and after every update records getPDF() at a few temperatures plus (for a subset of steps)
// the LSTM state. The input is the first face of the Quick, Draw! sample, simplified with the
// library's simplifyLines(tolerance) and converted with its linesToStroke() (which appends the
// end token [0,0,0,0,1]), preceded by zeroInput() = [0,0,1,0,0].
//
// Output JSON schema (floats rounded to 7 significant digits unless noted; T = number of steps):
//   format            "face_parity/1"
//   library           "@magenta/sketch 0.2.0";  tfjs: {"tfjs-core": ...};  backend: "cpu"
//   model             {name, sha256 (of the file), scale_factor (info), max_seq_len}
//   pixel_factor      value given to setPixelFactor() (1.0: update() input is in Quick, Draw! pixels)
//   update_scale      update() divides dx, dy by this = scale_factor / pixel_factor
//   source            {data, key_id, simplify_tolerance}
//   inputs_update     T x [dx, dy, p1, p2, p3] exactly as passed to update() (pixel units)
//   inputs_stroke5    T x [dx, dy, p1, p2, p3] normalised, as the LSTM consumes them:
//                     float32(dx / update_scale), 9 significant digits (float32-exact)
//   mu_x, mu_y, corr  T x 20, from getPDF (temperature-independent; checked identical across calls)
//   pdf               list of {temperature, softmax_temperature (null = library default),
//                     discrete_temperature (what pi/pen logits were divided by),
//                     pi: T x 20, sigma_x: T x 20, sigma_y: T x 20, pen: T x 3}   (probabilities / sigmas)
//   state_steps       K step indices (0-based; step t = after update(inputs_update[t]))
//   h, c              K x 512, the state after those updates
import { readFileSync, writeFileSync } from 'node:fs';

import ms from '@magenta/sketch';

import { LIBRARY, loadSketchRNN, parseOptions } from './sketchrnn.mjs';

const USAGE = 'node parity.mjs --model PATH --out PATH [--data PATH] [--tolerance 6]';
const args = parseOptions(
  {
    model: undefined,
    out: undefined,
    data: new URL('../../../shared/data/quickdraw_face_sample.ndjson', import.meta.url).pathname,
    tolerance: '6',
  },
  USAGE,
);
const PIXEL_FACTOR = 1.0;
const PDF_CALLS = [
  { temperature: 1.0, softmax_temperature: null },
  { temperature: 0.25, softmax_temperature: null },
  { temperature: 0.5, softmax_temperature: 0.2 },
];
const NMIX = 20;

const round7 = (v) => Number(v.toPrecision(7));
const vec = (a, n = a.length) => Array.from(a.slice(0, n), round7);

const { model, sha256, backend } = await loadSketchRNN(args.model);
model.setPixelFactor(PIXEL_FACTOR);

// Fixed input: first face, as polylines [[x, y], ...] -> simplified -> stroke-5 (pixel deltas).
const record = JSON.parse(readFileSync(args.data, 'utf8').split('\n')[0]);
const lines = record.drawing.map(([xs, ys]) => xs.map((x, i) => [x, ys[i]]));
const tolerance = Number(args.tolerance);
const inputs = [model.zeroInput(), ...model.linesToStroke(model.simplifyLines(lines, tolerance))];
const T = inputs.length;
// States are 2 x 512 floats per step: keep steps 0, 1, 2, every 4th and the last (file < 300 KB).
const stateSteps = Array.from({ length: T }, (_, t) => t).filter(
  (t) => t <= 2 || t % 4 === 0 || t === T - 1,
);

const out = {
  format: 'face_parity/1',
  library: LIBRARY,
  tfjs: { 'tfjs-core': ms.tf.version['tfjs-core'] },
  backend,
  model: {
    name: model.info.name,
    sha256,
    scale_factor: model.info.scale_factor,
    max_seq_len: model.info.max_seq_len,
  },
  pixel_factor: PIXEL_FACTOR,
  update_scale: model.scaleFactor,
  source: { data: 'quickdraw_face_sample.ndjson', key_id: record.key_id, simplify_tolerance: tolerance },
  inputs_update: inputs,
  // update() builds [dx / s, dy / s, p1, p2, p3] in float64; tf.tensor2d stores it as float32.
  inputs_stroke5: inputs.map((x) =>
    [x[0] / model.scaleFactor, x[1] / model.scaleFactor, x[2], x[3], x[4]].map((v) =>
      Number(Math.fround(v).toPrecision(9)),
    ),
  ),
  mu_x: [],
  mu_y: [],
  corr: [],
  pdf: PDF_CALLS.map((call) => ({
    ...call,
    discrete_temperature: call.softmax_temperature ?? 0.5 + 0.5 * call.temperature,
    pi: [],
    sigma_x: [],
    sigma_y: [],
    pen: [],
  })),
  state_steps: stateSteps,
  h: [],
  c: [],
};

let state = model.zeroState();
for (let t = 0; t < T; t++) {
  state = model.update(inputs[t], state);
  if (stateSteps.includes(t)) {
    out.h.push(vec(state.h));
    out.c.push(vec(state.c));
  }
  PDF_CALLS.forEach((call, k) => {
    const pdf = model.getPDF(state, call.temperature, call.softmax_temperature ?? undefined);
    const rec = out.pdf[k];
    rec.pi.push(vec(pdf.pi));
    rec.sigma_x.push(vec(pdf.sigmaX));
    // getPDF slices sigmaY as result.slice(4*N, 15*N): it is 43 long (sigma_y, corr, pen). Keep 20.
    rec.sigma_y.push(vec(pdf.sigmaY, NMIX));
    rec.pen.push(vec(pdf.pen));
    for (const [field, name] of [['muX', 'mu_x'], ['muY', 'mu_y'], ['corr', 'corr']]) {
      const values = vec(pdf[field]);
      if (k === 0) out[name].push(values);
      else if (values.some((v, i) => v !== out[name][t][i])) {
        throw new Error(`${name} changed with temperature at step ${t}`);
      }
    }
  });
}

writeFileSync(args.out, `${JSON.stringify(out)}\n`);
console.error(`wrote ${args.out}: ${T} steps, states at ${stateSteps.length} steps, model ${sha256.slice(0, 12)}`);
