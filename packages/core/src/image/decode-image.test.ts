import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { decodeImage, type DecodedImage } from './decode-image.js';

const dir = fileURLToPath(new URL('../../../../fixtures/images/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as Record<string, { width: number; height: number; channels: number; data: number[] }>;

/** The largest and the mean absolute difference from Pillow's pixels. */
function difference(image: DecodedImage, name: string): { max: number; mean: number } {
  const want = expected[name]!;
  expect({ width: image.width, height: image.height, channels: image.channels }).toEqual({ width: want.width, height: want.height, channels: want.channels });
  expect(image.data.length).toBe(want.data.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(image.data[i]! - want.data[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / want.data.length };
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await promise.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!ServableError.isInstance(e)) throw new Error(`expected a ServableError, got ${String(e)}`);
  return { code: e.code, message: e.message };
}

describe('decodeImage', () => {
  it.each(['rgb.png', 'rgba.png', 'gray.png', 'gray-alpha.png', 'gray-1bit.png', 'gray-16bit.png', 'palette-2bit.png'])('decodes %s exactly as Pillow does', async (name) => {
    const image = await decodeImage(`${dir}${name}`);
    expect(image.format).toBe('png');
    expect(difference(image, name).max).toBe(0);
  });

  it.each(['rgb.jpg', 'gray.jpg', 'progressive.jpg'])('decodes %s within three levels of libjpeg (IDCT and color rounding differ)', async (name) => {
    const image = await decodeImage(`${dir}${name}`);
    expect(image.format).toBe('jpeg');
    const d = difference(image, name);
    expect(d.max).toBeLessThanOrEqual(3);
    expect(d.mean).toBeLessThan(1);
  });

  it('decodes an Adam7-interlaced PNG', async () => {
    const want = expected['rgb.png']!;
    const bytes = encode({ width: want.width, height: want.height, channels: 3, depth: 8, data: Uint8Array.from(want.data) }, { interlace: 'Adam7' });
    expect(bytes[28]).toBe(1); // IHDR interlace method
    expect(difference(await decodeImage(bytes), 'rgb.png').max).toBe(0);
  });

  describe('takes bytes, an ArrayBuffer, a Blob, a file URL, a data URL and an http URL alike', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/rgb.jpg') res.writeHead(200, { 'content-type': 'image/jpeg' }).end(readFileSync(`${dir}rgb.jpg`));
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('gives the same pixels from every kind of source', async () => {
      const bytes = new Uint8Array(readFileSync(`${dir}rgb.jpg`));
      const fromPath = await decodeImage(`${dir}rgb.jpg`);
      const sources = [
        bytes,
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
        new Blob([bytes], { type: 'image/jpeg' }),
        pathToFileURL(`${dir}rgb.jpg`),
        pathToFileURL(`${dir}rgb.jpg`).href,
        `data:image/jpeg;base64,${Buffer.from(bytes).toString('base64')}`,
        `${base}/rgb.jpg`,
        new URL(`${base}/rgb.jpg`),
      ];
      for (const source of sources) expect(Array.from((await decodeImage(source)).data)).toEqual(Array.from(fromPath.data));
    });

    it('names a URL that answers 404', async () => {
      const e = await codeOf(decodeImage(`${base}/missing.png`));
      expect(e).toEqual({ code: 'INVALID_INPUT', message: `image "${base}/missing.png": expected HTTP 200, got 404 — check the URL` });
    });
  });

  it('names a path that does not exist, as it was given', async () => {
    const e = await codeOf(decodeImage('no/such/digit.png'));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toBe('image "no/such/digit.png": expected a readable PNG or JPEG file, got a path that does not exist — check the path');
  });

  it('says which format it got when it is neither PNG nor JPEG', async () => {
    const gif = new TextEncoder().encode('GIF89a\u0001\u0000\u0001\u0000');
    expect(await codeOf(decodeImage(gif))).toEqual({ code: 'INVALID_INPUT', message: 'image bytes: expected a PNG or JPEG image, got a GIF file — convert it to PNG or JPEG' });
    expect((await codeOf(decodeImage(new TextEncoder().encode('{"pixels": []}')))).message).toContain('bytes that are neither PNG nor JPEG');
    expect((await codeOf(decodeImage(new Uint8Array(0)))).message).toContain('got 0 bytes');
  });

  it('refuses a corrupt file and one with too many pixels before decoding it', async () => {
    const png = new Uint8Array(readFileSync(`${dir}rgb.png`));
    const truncated = await codeOf(decodeImage(png.subarray(0, 60)));
    expect(truncated.code).toBe('INVALID_INPUT');
    expect(truncated.message).toMatch(/^image bytes: expected a valid PNG file, got one that does not decode/);
    expect((await codeOf(decodeImage(png, { maxPixels: 50 }))).message).toBe('image bytes: expected at most 50 pixels, got 12×8 — resize the image first, or raise maxPixels');
    const jpeg = new Uint8Array(readFileSync(`${dir}rgb.jpg`));
    expect((await codeOf(decodeImage(jpeg, { maxPixels: 100 }))).message).toContain('expected at most 100 pixels, got 24×16');
    expect((await codeOf(decodeImage(jpeg.subarray(0, 200)))).message).toMatch(/expected a baseline or progressive JPEG file, got one that does not decode/);
  });

  it('refuses what is not an image source', async () => {
    expect((await codeOf(decodeImage(42 as unknown as string))).code).toBe('INVALID_ARGUMENT');
  });
});
