import { Routes, UrlMatchResult, UrlSegment } from '@angular/router';
import { ChatPage } from './chat-page/chat-page';

/**
 * `/chats` and `/chats/:id` share one route, so going from a new chat to its
 * id (after the first send created it) keeps the page and its stream alive.
 */
export function chatMatcher(segments: UrlSegment[]): UrlMatchResult | null {
  if (segments.length === 0) {
    return { consumed: [] };
  }
  if (segments.length === 1) {
    return { consumed: segments, posParams: { id: segments[0] } };
  }
  return null;
}

export const CHAT_ROUTES: Routes = [
  { matcher: chatMatcher, component: ChatPage, title: 'shell.chats.title' },
];
