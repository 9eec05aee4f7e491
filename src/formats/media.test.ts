// Audio and video made by ffmpeg, sox and lame (checked-in fixtures): WAV, MP3 (with and without ID3), MP4 with moov at
// the end and at the front; truncated copies fail; a big MP4 is walked from head and tail alone.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, sampleFile, tempDir } from '../../test/fixtures/formats/make.ts';
import { checkReadability, identifyFormat, isFormatAllowed } from './index.ts';

const tmp = tempDir();
const p = tmp.path;

beforeAll(() => {
  // Made by test/fixtures/formats/make-fixtures.sh (ffmpeg, sox, lame), checked in so CI needs none of them.
  for (const name of ['ffmpeg.wav', 'sox.wav', 'plain.mp3', 'id3.mp3', 'ffmpeg.mp3', 'moov-last.mp4', 'moov-first.mp4']) copyFileSync(fixture(name), p(name));
  for (const [name, keep] of [['ffmpeg.wav', 0.5], ['moov-last.mp4', 0.7], ['id3.mp3', 0], ['plain.mp3', 0.61]] as const) {
    const b = readFileSync(p(name));
    writeFileSync(p('cut-' + name), b.subarray(0, keep ? Math.floor(b.length * keep) : 200));
  }
});
afterAll(() => tmp.remove());

describe('media', () => {
  it.each([
    ['ffmpeg.wav', 'WAV', 'audio'], ['sox.wav', 'WAV', 'audio'], ['plain.mp3', 'MP3', 'audio'], ['id3.mp3', 'MP3', 'audio'],
    ['ffmpeg.mp3', 'MP3', 'audio'], ['moov-last.mp4', 'MP4', 'video'], ['moov-first.mp4', 'MP4', 'video'],
  ])('%s is %s (%s), allowed and readable', async (name, format, kind) => {
    const s = await sampleFile(p(name));
    const d = await identifyFormat(s);
    expect(d).toMatchObject({ format, kind });
    expect(isFormatAllowed(d)).toBe(true);
    const r = await checkReadability(s);
    expect(r).toMatchObject({ ok: true });
  });

  it('WAV details come from the fmt chunk', async () => {
    const r = await checkReadability(await sampleFile(p('sox.wav')));
    expect(r).toMatchObject({ ok: true, info: { channels: 1, sampleRate: 8000 } });
  });

  it('MP3 after an ID3v2 tag: the first frame follows the tag', async () => {
    expect(readFileSync(p('id3.mp3')).subarray(0, 3).toString()).toBe('ID3');
    const r = await checkReadability(await sampleFile(p('id3.mp3')));
    expect(r).toMatchObject({ ok: true, info: { id3Tags: 1, sampleRate: 16000 } });
    expect(r.ok && r.info.frames).toBeGreaterThan(10);
  });

  it('MP4 with the moov box at the end is walked to it and its tracks are found', async () => {
    const r = await checkReadability(await sampleFile(p('moov-last.mp4')));
    expect(r).toMatchObject({ ok: true, info: { tracks: 2 } });
    expect(r.ok && (r.info.boxes as string[]).at(-1)).toBe('moov');
  });

  it('an MP4 too big to keep is checked from its head and tail (moov at the end)', async () => {
    const size = readFileSync(p('moov-last.mp4')).length;
    const s = await sampleFile(p('moov-last.mp4'), { maxBuffered: 1024, headSize: 1024, tailSize: Math.min(size - 1024, 4096) });
    expect(s.whole).toBeUndefined();
    expect(await checkReadability(s)).toMatchObject({ ok: true, info: { tracks: 2 } });
  });

  it.each(['cut-ffmpeg.wav', 'cut-moov-last.mp4', 'cut-id3.mp3', 'cut-plain.mp3'])('%s (truncated) fails GD-3-4', async (name) => {
    const s = await sampleFile(p(name));
    const r = await checkReadability(s, { detected: await identifyFormat(s) });
    expect(r).toMatchObject({ ok: false, item: '3-4' });
  });
});
