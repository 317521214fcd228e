// CPU reference for the embedding backward: dW[v] = Σ g[i] over tokens i with ids[i] = v, summed in
// increasing token order (the order the WebGPU kernel uses too). Ids outside [0, V) get no gradient.
import { type Attrs, registerKernel } from '../../kernels/registry.js';
import { empty } from '../../tensor.js';
import { arr, finish } from './util.js';

registerKernel('embeddingBackward', 'cpu', ([ids, g], a: Attrs) => {
  const V = a.V as number;
  const D = a.D as number;
  const dw = empty([V, D], a.dtype as 'f32' | 'f16', 'cpu');
  const o = arr(dw);
  const acc = new Float32Array(V * D);
  const is = arr(ids);
  const gs = arr(g);
  for (let i = 0; i < ids.size; i++) {
    const v = is[ids.offset + i];
    if (v < 0 || v >= V) continue;
    for (let d = 0; d < D; d++) acc[v * D + d] += gs[g.offset + i * D + d];
  }
  o.set(acc);
  return finish(dw);
});
