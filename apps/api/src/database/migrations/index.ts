import { InitialSchema1764300000000 } from './1764300000000-initial-schema';

/** Every migration, oldest first. Forward-only once landed. */
export const MIGRATIONS = [InitialSchema1764300000000];
