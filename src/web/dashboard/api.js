// The dashboard's only door to the JobManager: JSON requests against the REST contract, with the cluster token.
//
// The token comes from `?token=` in the page's URL, read once: it is then removed from the address bar (so it
// is not left in the history or a copied link) and kept in sessionStorage for reloads of this tab only.

const TOKEN_KEY = 'weir-token';

function readToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null) {
    try { sessionStorage.setItem(TOKEN_KEY, fromUrl); } catch { /* storage disabled: the token lives in memory */ }
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try { return sessionStorage.getItem(TOKEN_KEY); } catch { return null; }
}

const token = readToken();

/** An answer of the REST API that is not 2xx, with the server's `errors` and `code` when it sent them. */
export class ApiError extends Error {
  constructor(method, path, status, body) {
    const messages = body && Array.isArray(body.errors) ? body.errors.join('; ') : '';
    super(`${method} ${path}: ${status}${messages ? ` ${messages}` : ''}${body && body.code ? ` (${body.code})` : ''}`);
    this.status = status;
    this.code = body && body.code;
  }
}

/** One request; resolves with the parsed JSON body (`{}` for an empty one). */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await response.text();
  let parsed = {};
  if (text !== '') {
    try { parsed = JSON.parse(text); } catch { parsed = { errors: [text.slice(0, 200)] }; }
  }
  if (!response.ok) throw new ApiError(method, path, response.status, parsed);
  return parsed;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});
export const patch = (path) => request('PATCH', path);

/** Job and vertex ids in a path. */
export const enc = encodeURIComponent;
