/**
 * Strips host paths from an onnxruntime message: each known path becomes its base name, and any
 * other absolute path (POSIX or Windows) becomes its last segment. Errors travel to clients and
 * logs, and must not reveal how the host's disk is laid out.
 * @param message - the engine's message
 * @param knownPaths - paths that may appear verbatim (the model file, its folder, the working directory)
 */
export function sanitizeEngineMessage(message: string, knownPaths: readonly string[] = []): string {
  let text = message;
  const paths = [...new Set(knownPaths.filter((p) => p.length > 1))].sort((a, b) => b.length - a.length);
  for (const p of paths) text = text.split(p).join(lastSegment(p) || '.');
  text = text.replace(/(^|[\s"'`(=:[,])(\/[^\s"'`()[\],]+)/g, (_all, lead: string, path: string) => `${lead}${lastSegment(path)}`);
  text = text.replace(/(^|[\s"'`(=:[,])([A-Za-z]:\\[^\s"'`()[\],]+)/g, (_all, lead: string, path: string) => `${lead}${lastSegment(path)}`);
  return text.replace(/\u001b\[[0-9;]*m/g, '').trim();
}

function lastSegment(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? '';
}
