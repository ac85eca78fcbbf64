/**
 * Per-environment settings, read at run time from /config.js (a classic script that sets
 * window.GROUNDWORK_CONFIG). The build is the same for every environment; the deploy writes config.js.
 */
export interface AppConfig {
  /** Origin of the API, without a trailing slash. Empty: the page's own origin (the edge / CloudFront route /api to the ALB). */
  apiBaseUrl: string;
  /** Where the admin console's "Sign out" goes (the edge locally; the app's sign-out route behind the ALB). */
  signOutUrl: string;
}

declare global {
  interface Window {
    GROUNDWORK_CONFIG?: Partial<AppConfig>;
  }
}

export const defaultConfig: AppConfig = { apiBaseUrl: "", signOutUrl: "/_edge/signout" };

export function readConfig(raw: Partial<AppConfig> | undefined): AppConfig {
  const apiBaseUrl = typeof raw?.apiBaseUrl === "string" ? raw.apiBaseUrl.trim().replace(/\/+$/, "") : "";
  const signOutUrl = typeof raw?.signOutUrl === "string" && raw.signOutUrl.trim() !== "" ? raw.signOutUrl.trim() : defaultConfig.signOutUrl;
  return { apiBaseUrl, signOutUrl };
}

export function currentConfig(): AppConfig {
  return readConfig(typeof window === "undefined" ? undefined : window.GROUNDWORK_CONFIG);
}
