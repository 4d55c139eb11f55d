import { InitialSchema1764300000000 } from './1764300000000-initial-schema';
import { ChatsAndMessages1764310000000 } from './1764310000000-chats-and-messages';

/** Every migration, oldest first. Forward-only once landed. */
export const MIGRATIONS = [
  InitialSchema1764300000000,
  ChatsAndMessages1764310000000,
];
