import { ServableError } from '@servable/core';

/** One message of an OpenAI chat request. */
export interface ChatMessage {
  /** Who speaks. */
  readonly role: 'system' | 'user' | 'assistant' | 'developer' | 'tool';
  /** What they say (text parts joined). */
  readonly content: string;
}

const ROLES = new Set(['system', 'user', 'assistant', 'developer', 'tool']);

/**
 * The default chat template: one `role: content` line per message, then `assistant:` for the
 * model to continue. Fine for base models and tests; chat-tuned models want their own template.
 */
export function defaultChatTemplate(messages: readonly ChatMessage[]): string {
  return `${messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
}

function badMessages(index: number | undefined, expected: string, received: string): ServableError {
  const subject = index === undefined ? 'messages' : `messages[${index}]`;
  return new ServableError('INVALID_ARGUMENT', `${subject}: expected ${expected}, got ${received} — send messages: [{ "role": "user", "content": "…" }]`, {
    details: { subject, expected, received },
  });
}

/**
 * Reads the `messages` of a chat request: roles checked, content as a string or as text parts
 * (`[{ "type": "text", "text": "…" }]`).
 * @throws ServableError `INVALID_ARGUMENT` naming the message at fault
 */
export function parseChatMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badMessages(undefined, 'a non-empty array', Array.isArray(value) ? 'an empty array' : typeof value);
  return value.map((raw, i): ChatMessage => {
    const m = raw as { role?: unknown; content?: unknown };
    if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || !ROLES.has(m.role)) {
      throw badMessages(i, `a role of ${[...ROLES].join(', ')}`, JSON.stringify((m as { role?: unknown })?.role ?? null));
    }
    if (typeof m.content === 'string') return { role: m.role as ChatMessage['role'], content: m.content };
    if (Array.isArray(m.content)) {
      const texts = m.content.map((part: { type?: unknown; text?: unknown }, j: number) => {
        if (part?.type !== 'text' || typeof part.text !== 'string') throw badMessages(i, 'text content parts ({ "type": "text", "text": "…" })', `a part of type ${JSON.stringify(part?.type ?? null)} at ${j}`);
        return part.text;
      });
      return { role: m.role as ChatMessage['role'], content: texts.join('') };
    }
    if (m.content === null || m.content === undefined) return { role: m.role as ChatMessage['role'], content: '' };
    throw badMessages(i, 'content as a string or an array of text parts', typeof m.content);
  });
}
