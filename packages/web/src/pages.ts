/**
 * The dashboard's pages (issue H builds them with React + Vite). The list is
 * shared so the collector can answer deep links with the app shell.
 */
export interface DashboardPage {
  readonly path: string;
  readonly title: string;
}

export const DASHBOARD_PAGES: readonly DashboardPage[] = Object.freeze([
  { path: '/', title: 'Overview' },
  { path: '/events', title: 'Events' },
  { path: '/alerts', title: 'Alerts' },
  { path: '/devices', title: 'Devices' },
  { path: '/integrity', title: 'Integrity' },
  { path: '/reviews', title: 'Reviews' },
  { path: '/compliance', title: 'Compliance' },
  { path: '/rules', title: 'Rules' },
  { path: '/login', title: 'Sign in' },
]);

/** True when `path` is a dashboard route (not an API or asset path). */
export function isDashboardRoute(path: string): boolean {
  const p = path.split('?')[0] ?? path;
  return DASHBOARD_PAGES.some((page) => page.path === p || (page.path !== '/' && p.startsWith(`${page.path}/`)));
}
