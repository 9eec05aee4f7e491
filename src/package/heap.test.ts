// The many-files heap setting holds only while such a reader is open, process-wide: the process's
// own setting is back once the last one closes, whatever order they close in.
import v8 from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setHeapGrowth, tightenHeapGrowth } from './heap.ts';

describe('heap growth while many-file packages are open', () => {
  afterEach(() => vi.restoreAllMocks());

  it('tightens on the first reader, restores the process setting after the last, once per release', () => {
    const flags = vi.spyOn(v8, 'setFlagsFromString');
    setHeapGrowth(100);
    const a = tightenHeapGrowth();
    const b = tightenHeapGrowth();
    a();
    a(); // a second release of the same reader changes nothing
    expect(flags.mock.calls.map((c) => c[0])).toEqual(['--heap-growing-percent=100', '--heap-growing-percent=50']);
    b();
    expect(flags.mock.calls.at(-1)?.[0]).toBe('--heap-growing-percent=100');
    // set while a reader is open: taken as the process's own, applied when that reader closes
    const c = tightenHeapGrowth();
    setHeapGrowth(80);
    expect(flags.mock.calls.at(-1)?.[0]).toBe('--heap-growing-percent=50');
    c();
    expect(flags.mock.calls.at(-1)?.[0]).toBe('--heap-growing-percent=80');
  });
});
