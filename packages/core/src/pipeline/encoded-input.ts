import { sniffImageFormat } from '../image/decode-image.js';

/** True when a string names an image file or URL rather than holding data. */
function looksLikeImageReference(text: string): boolean {
  return /^data:image\//i.test(text) || /\.(png|jpe?g)(\?.*)?$/i.test(text.trim());
}

/**
 * The fix for a string that reached a numeric input: decode it when it names an image, parse
 * it when it holds a number, and otherwise say that the input takes numbers.
 */
export function stringIntoNumbersFix(text: string): string {
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}…` : text);
  if (looksLikeImageReference(text)) return `decode it first with await decodeImage(${shown}) and pass the image`;
  if (text.trim() !== '' && Number.isFinite(Number(text))) return `pass numbers, not text (Number(${shown}))`;
  return `pass numbers; for an image file or URL, decode it first with await decodeImage(${shown})`;
}

/**
 * What an encoded image given as input is, when it is one: `"PNG file bytes"`, `"a Blob"`,
 * `"a URL"`; undefined for anything else. Used to say "decode it first" instead of a shape or
 * number error.
 */
export function describeEncodedImage(value: unknown): string | undefined {
  if (typeof Blob !== 'undefined' && value instanceof Blob) return 'a Blob';
  if (value instanceof URL) return 'a URL';
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value instanceof Uint8Array ? value : undefined;
  if (!bytes) return undefined;
  const format = sniffImageFormat(bytes);
  return format === 'png' || format === 'jpeg' ? `${format === 'png' ? 'PNG' : 'JPEG'} file bytes` : undefined;
}
