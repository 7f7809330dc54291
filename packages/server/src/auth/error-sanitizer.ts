const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
const BEARER = /\b(Bearer|ApiKey|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g;
const HEX_RUN = /\b[0-9a-fA-F]{32,}\b/g;
const BASE64_RUN = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/_-])/g;
const FILE_URL = /file:\/\/\/?[^\s"'`<>)]+/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\[^\s"'`<>)]+/g;
const POSIX_PATH = /(?<![\w.:/-])\/(?:[^\s/"'`<>)]+\/)+[^\s/"'`<>)]*/g;

function lastSegment(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts.length > 0 ? `…/${parts[parts.length - 1]}` : '…';
}

/**
 * Makes an error message safe to send to a client or write to a shared log: PEM blocks,
 * `Bearer …`/`ApiKey …` values, JWT-like strings and long hex or base64 runs (key material,
 * tokens) become `[redacted]`; absolute host paths (POSIX, Windows, `file://`) keep only their
 * last segment (`…/model.onnx`); the server's own route paths (`/v1/…`, `/v2/…`, `/predict`,
 * `/metrics`) stay as they are.
 */
export function sanitizeErrorMessage(message: string): string {
  return message
    .replace(PEM_BLOCK, '[redacted]')
    .replace(BEARER, (_m, scheme: string) => `${scheme} [redacted]`)
    .replace(JWT_LIKE, '[redacted]')
    .replace(FILE_URL, (m) => lastSegment(m.slice('file://'.length)))
    .replace(WINDOWS_PATH, lastSegment)
    .replace(POSIX_PATH, (m) => (/^\/v[12]\//.test(m) || m.startsWith('/predict') || m.startsWith('/metrics') ? m : lastSegment(m)))
    .replace(HEX_RUN, '[redacted]')
    .replace(BASE64_RUN, (m) => (/[0-9]/.test(m) && /[A-Za-z]/.test(m) ? '[redacted]' : m));
}
