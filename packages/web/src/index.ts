/**
 * @seclog/web: the dashboard. Issue H adds the React app built to static files.
 */

export type { DashboardPage } from './pages.js';
export { DASHBOARD_PAGES, isDashboardRoute } from './pages.js';
