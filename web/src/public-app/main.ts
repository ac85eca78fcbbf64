import "../styles.css";
import { ApiClient } from "../api";
import { currentConfig } from "../config";
import { byId } from "../dom";
import { LinksApi } from "../links";
import { startHome } from "./home";
import { startLinkPage } from "./link-page";

/** The public app's two routes: "/" (create a link) and "/s/<slug>" (its clicks); the edge serves index.html for both. */
const config = currentConfig();
const links = new LinksApi(new ApiClient(config.apiBaseUrl));
const match = /^\/s\/([^/]+)\/?$/.exec(location.pathname);

if (match) {
  byId("home-view").hidden = true;
  startLinkPage(byId("link-view"), links, decodeURIComponent(match[1]!), config.apiBaseUrl || location.origin);
} else {
  startHome(links);
}
