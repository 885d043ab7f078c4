import { refusal } from './api.js';
import { session } from './session.js';

/**
 * Saves a download when signed in. A link cannot carry an Authorization header, so the bytes are
 * fetched with the token and handed to the browser as a blob: held in memory, which suits figures
 * and checkpoints the size of a laptop's RAM (larger ones: the API, with the token). Without a
 * session the link is left to the browser, which streams to disk.
 * @throws ApiError when the server refuses
 */
export async function downloadWithToken(href: string, filename: string): Promise<void> {
  const token = session().token;
  const response = await fetch(href, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw refusal(response, await response.text(), token);
  const objectUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = objectUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Long enough for the browser to take the bytes; then the memory is given back.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 60_000);
}

