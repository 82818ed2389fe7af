// Pages are chosen by the URL's hash: #/<page>/<rest>/<of>/<path>. Each page bundle registers a
// handler with onRoute; app.js shows the page's <main id="page-<page>"> and loads its bundle once.

export interface Route {
  page: string;
  path: string[];
}

export const DEFAULT_PAGE = "contracts";

export function currentRoute(): Route {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter((part) => part !== "").map(decodeURIComponent);
  return { page: parts[0] || DEFAULT_PAGE, path: parts.slice(1) };
}

export function pageRoot(page: string): HTMLElement {
  const root = document.getElementById(`page-${page}`);
  if (!root) throw new Error(`index.html has no <main id="page-${page}">`);
  return root;
}

export function link(page: string, ...path: string[]): string {
  return `#/${[page, ...path].map(encodeURIComponent).join("/")}`;
}

/** Call `handler` now and on every hash change while the hash names `page`. */
export function onRoute(page: string, handler: (root: HTMLElement, path: string[]) => void | Promise<void>): void {
  const run = () => {
    const route = currentRoute();
    if (route.page === page) void handler(pageRoot(page), route.path);
  };
  addEventListener("hashchange", run);
  run();
}
