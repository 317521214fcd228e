// Moving tensors between backends (webgpu, wasm, cpu): always explicit, always a copy.
import { checkBackendName, engine } from '../engine.js';
import { type Tensor, tensor } from '../tensor.js';

/**
 * The values of `t` in a new contiguous tensor on backend `name` (which must be initialised). Not
 * recorded for autograd: the copy is a leaf. On its own backend, returns a view sharing the storage.
 */
export async function to(t: Tensor, name: string): Promise<Tensor> {
  t.live('to');
  checkBackendName(name, 'Tensor.to');
  const target = engine.backend(name);
  if (t.backend === target) return t.view(t.shape, t.strides, t.offset);
  const data = await t.data();
  return tensor(data, t.shape, { dtype: t.dtype, backend: target.name });
}
