export * from './ai-provider.port';
export { AiModule } from './ai.module';
export { TokenCounter } from './tokenizer';
