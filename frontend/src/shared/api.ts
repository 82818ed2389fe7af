// The server's JSON API: one function per verb; a refusal or a failure is an ApiError with the
// server's one-line message.

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  let body: any = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the server answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok) throw new ApiError(body && body.error ? String(body.error) : `error ${response.status}`, response.status);
  return body as T;
}

export async function getJSON<T>(path: string, query: Record<string, string | number | null | undefined> = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return answer<T>(await fetch(text ? `${path}?${text}` : path, { headers: { accept: "application/json" } }));
}

export async function postJSON<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  }));
}
