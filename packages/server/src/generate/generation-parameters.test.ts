import { describe, expect, it } from 'vitest';
import { defaultChatTemplate, parseChatMessages } from './chat-template.js';
import { readGenerationParameters } from './generation-parameters.js';

const context = { prefix: 'parameters.', maxTokensLimit: 100, defaultMaxTokens: 10 };

describe('readGenerationParameters', () => {
  it('maps OpenAI, vLLM and TensorRT-LLM names to generate options, with defaults', () => {
    expect(readGenerationParameters({ max_tokens: 5, temperature: 0.5, top_p: 0.9, top_k: 40, repetition_penalty: 1.2, seed: 7, stop: '\n' }, context)).toEqual({
      maxTokens: 5,
      temperature: 0.5,
      topP: 0.9,
      topK: 40,
      repetitionPenalty: 1.2,
      seed: 7,
      stop: ['\n'],
    });
    expect(readGenerationParameters({ max_completion_tokens: 3, random_seed: 1, stop_words: ['a', 'b'], top_k: 0 }, context)).toMatchObject({ maxTokens: 3, seed: 1, stop: ['a', 'b'], topK: undefined });
    expect(readGenerationParameters({}, { ...context, defaultTemperature: 1 })).toMatchObject({ maxTokens: 10, temperature: 1 });
  });

  it('names the field, the expectation, what came and the fix', () => {
    expect(() => readGenerationParameters({ max_tokens: 101 }, context)).toThrow('parameters.max_tokens: expected at most 100, got 101 — ask for 100 tokens or fewer');
    expect(() => readGenerationParameters({ temperature: 'hot' }, context)).toThrow(/parameters.temperature: expected a number in \[0, 2\], got "hot"/);
    expect(() => readGenerationParameters({ stop: [1] }, context)).toThrow(/parameters.stop: expected a non-empty string or an array of them/);
    expect(() => readGenerationParameters({ presence_penalty: 0.5 }, context)).toThrow(/parameters.presence_penalty: expected 0 or nothing/);
    expect(() => readGenerationParameters({ top_p: 0 }, context)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('chat messages', () => {
  it('reads string and text-part content and renders the default template', () => {
    const messages = parseChatMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
    ]);
    expect(defaultChatTemplate(messages)).toBe('system: Be brief.\nuser: Hi there\nassistant:');
  });

  it('rejects an unknown role, a non-text part and an empty list, naming the message', () => {
    expect(() => parseChatMessages([{ role: 'user', content: 'a' }, { role: 'robot', content: 'b' }])).toThrow(/messages\[1\]: expected a role of system, user/);
    expect(() => parseChatMessages([{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }])).toThrow(/messages\[0\]: expected text content parts/);
    expect(() => parseChatMessages([])).toThrow(/messages: expected a non-empty array, got an empty array/);
  });
});
