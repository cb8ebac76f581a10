import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Writes `content` to `file` atomically: a temporary file in the same directory (same file
 * system, so the rename is atomic), then a rename over the target. A reader never sees a
 * half-written report; on failure the temporary file is removed and the target left as it was.
 * Missing parent directories are created (the user named the path).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat?.isDirectory()) throw new Error(`${file} is a directory`);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', stat ? stat.mode & 0o777 : 0o666);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw error;
  }
}
