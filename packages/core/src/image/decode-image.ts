import { ServableError } from '../errors/servable-error.js';
import { isNode, nodeFiles } from '../io/node-files.js';
import type { ImageInput } from '../pipeline/image.js';

/**
 * An encoded image: its bytes (`Uint8Array`, `ArrayBuffer`), a `Blob` or `File`, a URL
 * (`http(s):`, `data:`, `blob:`, or `file:` in Node), or a string: a URL, or a file path in
 * Node (in a browser a string that is not a URL is fetched relative to the page).
 */
export type ImageSource = Uint8Array | ArrayBuffer | Blob | URL | string;

/** The formats {@link decodeImage} reads. */
export type ImageFormat = 'png' | 'jpeg';

/** A decoded image: 8-bit pixels row by row, channels interleaved — an {@link ImageInput} `predict` takes as is. */
export interface DecodedImage extends ImageInput {
  /** `width × height × channels` bytes. */
  readonly data: Uint8Array;
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 1 (gray), 3 (RGB) or 4 (RGBA). */
  readonly channels: 1 | 3 | 4;
  /** The format the bytes were in. */
  readonly format: ImageFormat;
}

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Cancels a fetch or a file read. */
  readonly signal?: AbortSignal;
  /** The most pixels accepted (default 64 Mi): larger images fail before they are decoded. */
  readonly maxPixels?: number;
}

const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

function invalid(subject: string, expected: string, received: string, fix: string): ServableError {
  return new ServableError('INVALID_INPUT', `${subject}: expected ${expected}, got ${received} — ${fix}`, { details: { subject, expected, received, fix } });
}

/** Names the format of some bytes from their signature, for the formats we decode and the ones people try. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | 'gif' | 'webp' | 'bmp' | 'tiff' | 'avif' | undefined {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'webp';
  if (at(0, 0x42, 0x4d)) return 'bmp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (at(4, 0x66, 0x74, 0x79, 0x70, 0x61, 0x76, 0x69, 0x66)) return 'avif';
  return undefined;
}

function describeSource(source: ImageSource): string {
  if (typeof source === 'string') return source.startsWith('data:') ? 'image data URL' : `image "${source}"`;
  if (source instanceof URL) return source.protocol === 'data:' ? 'image data URL' : `image ${source.origin === 'null' ? source.href : source.origin + source.pathname}`;
  if (typeof Blob !== 'undefined' && source instanceof Blob) return `image Blob${'name' in source && typeof source.name === 'string' && source.name ? ` "${source.name}"` : ''}`;
  return 'image bytes';
}

async function fetchImage(url: URL | string, subject: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (cause) {
    if ((cause as Error)?.name === 'AbortError') throw new ServableError('ABORTED', `${subject}: the fetch was aborted`, { cause });
    throw new ServableError('INVALID_INPUT', `${subject}: expected a reachable URL, got a network error (${(cause as Error)?.message ?? String(cause)})`, { cause });
  }
  if (!res.ok) throw new ServableError('INVALID_INPUT', `${subject}: expected HTTP 200, got ${res.status} — check the URL`);
  return new Uint8Array(await res.arrayBuffer());
}

async function readPath(path: string, subject: string): Promise<Uint8Array> {
  const files = await nodeFiles();
  try {
    return await files.readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string })?.code;
    throw new ServableError('INVALID_INPUT', `${subject}: expected a readable PNG or JPEG file, got ${code === 'ENOENT' ? 'a path that does not exist' : (code ?? 'an error')} — check the path`, { cause });
  }
}

async function bytesOf(source: ImageSource, subject: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (source instanceof URL) {
    if (source.protocol === 'file:') return readPath(decodeURIComponent(source.pathname), subject);
    return fetchImage(source, subject, signal);
  }
  if (typeof source === 'string') {
    if (/^(https?|data|blob):/i.test(source)) return fetchImage(source, subject, signal);
    if (/^file:/i.test(source)) return readPath(decodeURIComponent(new URL(source).pathname), subject);
    if (!isNode()) return fetchImage(source, subject, signal);
    return readPath(source, subject);
  }
  throw new ServableError('INVALID_ARGUMENT', `decodeImage: expected bytes, a Blob, a URL or a path, got ${source === null ? 'null' : typeof source}`);
}

/** Width and height from a PNG's IHDR, read before decoding so a huge image fails cheaply. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Components and size from a JPEG's start-of-frame marker (jpeg-js always answers RGB). */
function jpegFrame(bytes: Uint8Array): { width: number; height: number; components: number } | undefined {
  let pos = 2;
  while (pos + 9 < bytes.length) {
    if (bytes[pos] !== 0xff) return undefined;
    const marker = bytes[pos + 1]!;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      return { height: (bytes[pos + 5]! << 8) | bytes[pos + 6]!, width: (bytes[pos + 7]! << 8) | bytes[pos + 8]!, components: bytes[pos + 9]! };
    }
    pos += 2 + length;
  }
  return undefined;
}

function checkPixels(width: number, height: number, max: number, subject: string): void {
  if (width * height > max) throw invalid(subject, `at most ${max} pixels`, `${width}×${height}`, 'resize the image first, or raise maxPixels');
}

async function decodePngBytes(bytes: Uint8Array, subject: string, maxPixels: number): Promise<DecodedImage> {
  const size = pngSize(bytes);
  if (size) checkPixels(size.width, size.height, maxPixels, subject);
  const { decode, convertIndexedToRgb } = await import('fast-png');
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (cause) {
    throw invalid(subject, 'a valid PNG file', `one that does not decode (${(cause as Error)?.message ?? String(cause)})`, 'check that the file is complete');
  }
  const { width, height } = png;
  const pixels = width * height;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    return { data: rgb, width, height, channels: png.palette[0]?.length === 4 ? 4 : 3, format: 'png' };
  }
  // Samples to 8 bits: 16-bit keeps its high byte; 1, 2 and 4-bit gray is unpacked and stretched to 0–255.
  const samples = pixels * png.channels;
  let eight: Uint8Array;
  if (png.depth === 16) {
    const wide = png.data as Uint16Array;
    eight = new Uint8Array(samples);
    for (let i = 0; i < samples; i++) eight[i] = wide[i]! >> 8;
  } else if (png.depth < 8) {
    const depth = png.depth;
    const packed = png.data as Uint8Array;
    const rowBytes = Math.ceil((width * png.channels * depth) / 8);
    const max = (1 << depth) - 1;
    eight = new Uint8Array(samples);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width * png.channels; x++) {
        const bit = x * depth;
        const value = (packed[y * rowBytes + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
        eight[y * width * png.channels + x] = Math.round((value * 255) / max);
      }
    }
  } else {
    eight = png.data instanceof Uint8Array ? png.data : new Uint8Array(png.data as ArrayLike<number>);
  }
  if (png.channels === 2) {
    // Gray + alpha: the gray samples (like an RGBA image's alpha, which preprocessing ignores).
    const gray = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) gray[p] = eight[p * 2]!;
    return { data: gray, width, height, channels: 1, format: 'png' };
  }
  if (png.channels !== 1 && png.channels !== 3 && png.channels !== 4) {
    throw invalid(subject, 'a PNG with 1 to 4 channels', `${png.channels} channels`, 'convert the image to gray, RGB or RGBA');
  }
  return { data: eight, width, height, channels: png.channels, format: 'png' };
}

async function decodeJpegBytes(bytes: Uint8Array, subject: string, maxPixels: number): Promise<DecodedImage> {
  const frame = jpegFrame(bytes);
  if (frame) checkPixels(frame.width, frame.height, maxPixels, subject);
  const jpeg = await import('jpeg-js');
  const decode = (jpeg as { decode?: typeof import('jpeg-js').decode }).decode ?? (jpeg as unknown as { default: typeof import('jpeg-js') }).default.decode;
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = decode(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: Math.ceil(maxPixels / 1_000_000) + 1 });
  } catch (cause) {
    throw invalid(subject, 'a baseline or progressive JPEG file', `one that does not decode (${(cause as Error)?.message ?? String(cause)})`, 'check that the file is complete, or convert it to PNG');
  }
  const { width, height, data } = image;
  if (frame?.components === 1) {
    const gray = new Uint8Array(width * height);
    for (let p = 0; p < gray.length; p++) gray[p] = data[p * 3]!;
    return { data: gray, width, height, channels: 1, format: 'jpeg' };
  }
  return { data, width, height, channels: 3, format: 'jpeg' };
}

/**
 * Decodes a PNG or JPEG into pixels that `predict` takes as an image: 8-bit samples, gray, RGB
 * or RGBA. PNG: every color type and bit depth, palettes and interlacing (16-bit samples keep
 * their high byte; gray + alpha comes back as gray). JPEG: baseline and progressive, gray
 * (one channel) or color (RGB; CMYK converted). Runs the same pure-JavaScript decoders in Node
 * and browsers (`fast-png`, `jpeg-js`), loaded on first use, so pixels agree everywhere.
 *
 * @param source - bytes, a `Blob`/`File`, a URL, or a path (Node)
 * @param options - a `signal` for fetches, and the most pixels accepted
 * @throws ServableError `INVALID_INPUT` naming the source and what is wrong with it (unreadable,
 * another format, corrupt, too large); `ABORTED`
 * @example
 * ```ts
 * const image = await decodeImage('digit.png'); // or bytes, a Blob, new URL('https://…/digit.jpg')
 * const { label } = await predictor.predict(image, { output: 'classification' });
 * ```
 */
export async function decodeImage(source: ImageSource, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const subject = describeSource(source);
  const bytes = await bytesOf(source, subject, options.signal);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const format = sniffImageFormat(bytes);
  if (format === 'png') return decodePngBytes(bytes, subject, maxPixels);
  if (format === 'jpeg') return decodeJpegBytes(bytes, subject, maxPixels);
  const received = format ? `a ${format.toUpperCase()} file` : bytes.length === 0 ? '0 bytes' : 'bytes that are neither PNG nor JPEG';
  throw invalid(subject, 'a PNG or JPEG image', received, format ? 'convert it to PNG or JPEG' : 'check that the source is an image file');
}
