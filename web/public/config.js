// Per-environment settings of the web app. This default (same origin) suits the local edge and CloudFront,
// which route /api/* to the load balancer; the deploy overwrites this file per environment.
window.GROUNDWORK_CONFIG = { apiBaseUrl: "", signOutUrl: "/_edge/signout" };
