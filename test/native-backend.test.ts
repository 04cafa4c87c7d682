// The native backend's own surface: option errors name the option, the arena grows on demand up to
// its limit, and a closed backend refuses work instead of crashing. (Its kernels: backend-kernels.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNativeBackend, nativeIsas, NATIVE_ISAS } from '../src/backend/native/index.ts';
import { MemoryLimitError, ValueError } from '../src/errors.ts';

test('options: threads and kernel build are checked, the portable build runs everywhere', () => {
  assert.throws(() => loadNativeBackend({ threads: 0 }), (e) => e instanceof ValueError && /^threads: expected an integer ≥ 1, got 0$/.test(e.message));
  assert.throws(() => loadNativeBackend({ isa: 'sse9' as never }), (e) => e instanceof ValueError && /^isa: expected one of avx512, avx2, portable/.test(e.message));
  const isas = nativeIsas();
  assert.ok(isas.includes('portable'));
  assert.ok(isas.every((isa) => NATIVE_ISAS.includes(isa)));
  const backend = loadNativeBackend({ threads: 3 });
  assert.equal(backend.threads, 3);
  assert.equal(backend.isa, isas[0], 'the fastest build by default');
  backend.close();
});

test('the arena grows on demand (pages committed as blocks are handed out) and says when it is full', () => {
  const backend = loadNativeBackend({ threads: 1 });
  const big = backend.alloc(64 << 20, 'float32'); // 256 MiB, far past the first commit
  big[big.length - 1] = 1;
  backend.scale(big, 2, big.length);
  assert.equal(big[big.length - 1], 2);
  assert.equal(big[0], 0);
  backend.free(big);
  assert.throws(() => backend.alloc(2 ** 30, 'float32'), (e) => e instanceof MemoryLimitError && /the native backend holds at most 4\.00 GiB$/.test(e.message));
  backend.close();
});

test('a closed backend throws on use', () => {
  const backend = loadNativeBackend({ threads: 2 });
  const x = backend.alloc(4, 'float32');
  backend.close();
  assert.throws(() => backend.scale(x, 2, 4), /used after close/);
});
