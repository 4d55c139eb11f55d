export * from './ai-provider.port';
export { AiModule } from './ai.module';
export { TokenCounter } from './tokenizer';
export { AiProviders } from './ai-providers.service';
export { answerLanguage, type AnswerLanguage } from './answer-language';
export { estimatePrompt, toolCallText } from './prompt-estimate';
