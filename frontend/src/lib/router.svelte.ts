/** A small history router: the backend answers index.html for every non-API path, so deep links work. */

class Router {
  path = $state(location.pathname);
  query = $state(new URLSearchParams(location.search));

  constructor() {
    this.sync();
    window.addEventListener('popstate', () => this.sync());
    // Same-origin links navigate in place; modified clicks and new tabs keep their browser meaning.
    document.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = event.target instanceof Element ? event.target.closest('a') : null;
      if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
      const href = anchor.getAttribute('href');
      if (!href || !href.startsWith('/') || href.startsWith('//') || href.startsWith('/api')) return;
      event.preventDefault();
      this.go(href);
    });
  }

  go(href: string, options: { replace?: boolean } = {}): void {
    if (href === location.pathname + location.search) return;
    if (options.replace) history.replaceState(null, '', href);
    else history.pushState(null, '', href);
    this.sync();
    window.scrollTo({ top: 0 });
  }

  /** The route's parameters when `pattern` (e.g. '/areas/:id') matches the current path. */
  match(pattern: string): Record<string, string> | null {
    const want = pattern.split('/').filter(Boolean);
    const have = this.path.split('/').filter(Boolean);
    if (want.length !== have.length) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < want.length; i++) {
      const w = want[i]!;
      const h = have[i]!;
      if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(h);
      else if (w !== h) return null;
    }
    return params;
  }

  private sync(): void {
    // '/book/' is '/book': one address per screen, whatever a link or a hand typed.
    if (location.pathname.length > 1 && location.pathname.endsWith('/')) {
      history.replaceState(history.state, '', location.pathname.replace(/\/+$/, '') + location.search + location.hash);
    }
    this.path = location.pathname;
    this.query = new URLSearchParams(location.search);
  }
}

export const router = new Router();
