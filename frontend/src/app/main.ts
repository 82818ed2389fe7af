// The page switch: shows the page the hash names and loads its bundle (and CSS) the first time.
import { currentRoute, DEFAULT_PAGE } from "../shared/router";

declare const __PAGES__: Record<string, { css: boolean }>;
const PAGES = __PAGES__;
const loaded = new Set<string>();

function load(page: string): void {
  if (loaded.has(page)) return;
  loaded.add(page);
  if (PAGES[page].css) {
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = `/static/${page}.css`;
    document.head.appendChild(style);
  }
  const script = document.createElement("script");
  script.type = "module";
  script.src = `/static/${page}.js`;
  document.head.appendChild(script);
}

function show(): void {
  let { page } = currentRoute();
  const missing = document.getElementById("page-missing")!;
  missing.hidden = true;
  if (!document.getElementById(`page-${page}`)) page = DEFAULT_PAGE;
  for (const main of Array.from(document.querySelectorAll<HTMLElement>("main.page"))) main.hidden = main.id !== `page-${page}`;
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>("header nav a"))) {
    a.classList.toggle("active", a.dataset.page === page);
  }
  if (page in PAGES) load(page);
  else {
    missing.textContent = `This build of sumchain has no ${page} page.`;
    missing.hidden = false;
  }
}

addEventListener("hashchange", show);
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
else show();
