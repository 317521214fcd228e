// Asks Dawn (the `webgpu` package, resolved from packages/tensor) for an adapter.
//   --quiet: exit status only; --name: print the adapter's name; no flag: print the reason too.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const flag = process.argv[2];
const require = createRequire(fileURLToPath(new URL('../../packages/tensor/package.json', import.meta.url)));
let adapter = null;
let reason = '';
try {
  const { create, globals } = await import(require.resolve('webgpu'));
  Object.assign(globalThis, globals);
  const gpu = create([`backend=${process.env.UNIF2ACE_WEBGPU_BACKEND ?? 'vulkan'}`]);
  adapter = await gpu.requestAdapter();
  if (!adapter) reason = 'Dawn found no adapter (no Vulkan driver, or Mesa older than 24)';
} catch (e) {
  reason = `cannot load Dawn: ${e.message}`;
}
if (flag === '--name')
  console.log(
    adapter
      ? `${adapter.info.description || adapter.info.device} (${adapter.info.vendor})`
      : `none: ${reason}`,
  );
else if (flag !== '--quiet') console.log(adapter ? 'adapter found' : `no adapter: ${reason}`);
process.exit(adapter ? 0 : 1);
