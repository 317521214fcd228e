import { it } from 'vitest';
import { init } from '../../init.js';
import { matmul } from '../../ops/nn.js';
import { tensor } from '../../tensor.js';
it('dbg', async () => {
  const t0 = Date.now();
  await init({ backend: 'cpu' });
  console.error('cpu', Date.now() - t0);
  const r = await init({ backend: 'wasm' });
  console.error('wasm', Date.now() - t0, r.reason);
  const a = tensor([1, 2, 3, 4], [2, 2]);
  console.error('mm', await matmul(a, a).data());
});
