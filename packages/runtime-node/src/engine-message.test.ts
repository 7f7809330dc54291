import { describe, expect, it } from 'vitest';
import { sanitizeEngineMessage } from './engine-message.js';

describe('sanitizeEngineMessage', () => {
  it('replaces known paths by their base name, also with spaces in them', () => {
    const path = '/home/ana/My Models/mnist/model.onnx';
    expect(sanitizeEngineMessage(`Load model from ${path} failed:Protobuf parsing failed.`, [path])).toBe('Load model from model.onnx failed:Protobuf parsing failed.');
  });

  it('reduces any other absolute POSIX or Windows path to its last segment', () => {
    const text = 'resolved path: "/srv/app/etc/passwd" allowed directory: "/srv/app/models" at /onnxruntime_src/core/x.cc:12 and C:\\Users\\ana\\w.bin';
    expect(sanitizeEngineMessage(text)).toBe('resolved path: "passwd" allowed directory: "models" at x.cc:12 and w.bin');
  });

  it('keeps relative paths and strips terminal colours', () => {
    expect(sanitizeEngineMessage('\u001b[1;31mExternal data path: "../../../etc/passwd"\u001b[m')).toBe('External data path: "../../../etc/passwd"');
  });
});
