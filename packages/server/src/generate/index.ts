export { registerGenerateRoutes } from './register-generate-routes.js';
export type { GenerateRoutesOptions, ResolvedGenerator } from './generate-routes-options.js';
export { defaultChatTemplate, parseChatMessages, type ChatMessage } from './chat-template.js';
export { readGenerationParameters, type GenerationParameters, type ParameterContext } from './generation-parameters.js';
