/**
 * Saving the user's files on the server through Jupyter's Contents API, the
 * way JupyterLab's file browser uploads them: base64, and in numbered chunks
 * when a file is larger than one chunk.
 */
import { PathExt } from '@jupyterlab/coreutils';
import { Contents, ServerConnection } from '@jupyterlab/services';

/**
 * Save a file in a directory under a name no other file there has, and
 * return its path (relative to the server root).
 *
 * `data.csv` becomes `data-1.csv`, `data-2.csv`... when the name is taken:
 * an existing file is never overwritten. A file larger than `chunkSize`
 * bytes is sent in chunks of that size numbered from 1, the last one
 * numbered -1, which the server appends in order; `onProgress` gets the
 * share sent so far after each one.
 */
export async function uploadFile(
  contents: Contents.IManager,
  file: File,
  directory: string,
  chunkSize: number,
  onProgress: (progress: number) => void
): Promise<string> {
  const path = await freePath(contents, directory, file.name);
  const name = PathExt.basename(path);
  if (file.size <= chunkSize) {
    await saveChunk(contents, path, name, file);
  } else {
    for (let start = 0; start < file.size; start += chunkSize) {
      const end = start + chunkSize;
      const chunk = end >= file.size ? -1 : end / chunkSize;
      await saveChunk(contents, path, name, file.slice(start, end), chunk);
      onProgress(Math.min(end, file.size) / file.size);
    }
  }
  onProgress(1);
  return path;
}

/**
 * The path of `name` in `directory`, or of the first free `stem-N.ext`
 * variant of it.
 */
async function freePath(
  contents: Contents.IManager,
  directory: string,
  name: string
): Promise<string> {
  const extension = PathExt.extname(name);
  const stem = name.slice(0, name.length - extension.length);
  for (let n = 0; ; n++) {
    const candidate = PathExt.join(
      directory,
      n === 0 ? name : `${stem}-${n}${extension}`
    );
    if (!(await exists(contents, candidate))) {
      return candidate;
    }
  }
}

/** Whether something exists at a path. */
async function exists(
  contents: Contents.IManager,
  path: string
): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch (error) {
    if (
      error instanceof ServerConnection.ResponseError &&
      error.response.status === 404
    ) {
      return false;
    }
    throw error;
  }
}

/** Send one piece of a file (a whole file when `chunk` is undefined). */
async function saveChunk(
  contents: Contents.IManager,
  path: string,
  name: string,
  blob: Blob,
  chunk?: number
): Promise<void> {
  await contents.save(path, {
    type: 'file',
    format: 'base64',
    name,
    chunk,
    content: await base64Of(blob)
  });
}

/** The bytes of a blob in base64. */
function base64Of(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    // A data URL: "data:<type>;base64,<content>".
    reader.onload = () => {
      const url = reader.result as string;
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}
