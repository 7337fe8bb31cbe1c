/**
 * @seclog/web: the dashboard, a React app (app/) built by Vite to static files
 * (dist/app) that the collector serves at `/`.
 */

export { dashboardAssetsDir, dashboardBuilt } from './assets.js';
export type { DashboardPage } from './pages.js';
export { DASHBOARD_PAGES, isDashboardRoute } from './pages.js';
