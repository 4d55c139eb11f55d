import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Owner only: directories rwx------, files rw-------. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `dir` and everything under it private to the owner (directories
 * 0700, files 0600), creating it if missing. Symbolic links are left alone
 * (chmod would follow them out of the tree). Fixes what an older version, or
 * a library that writes files 0666 whatever the umask (PGlite does), left
 * open.
 */
export function makeTreePrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    chmodSync(current, PRIVATE_DIR_MODE);
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) chmodSync(path, PRIVATE_FILE_MODE);
    }
  }
}

/** Makes an existing file private (0600); a missing one is left missing. */
export function makeFilePrivate(path: string): void {
  if (existsSync(path) && lstatSync(path).isFile())
    chmodSync(path, PRIVATE_FILE_MODE);
}

/** Writes a secret to a new or existing file, mode 0600 either way. */
export function writePrivateFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}
