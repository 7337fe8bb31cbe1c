/**
 * A small history router: the collector answers every dashboard path with the
 * app shell, and the app picks the page from location.pathname.
 */
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { useSyncExternalStore } from 'react';

const CHANGE = 'seclog:navigate';

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(CHANGE, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(CHANGE, fn);
  };
}

const snapshot = (): string => window.location.pathname + window.location.search;

/** The current path with its query string. */
export function useLocation(): string {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, replace = false): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(CHANGE));
  // Keyboard and screen-reader users land on the new page's heading.
  requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string; children: ReactNode };

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, children, ...rest }: LinkProps) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
