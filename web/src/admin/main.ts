import "../styles.css";
import { ApiClient, ApiError } from "../api";
import { currentConfig } from "../config";
import { byId, h } from "../dom";
import { formatDateTime } from "../time";
import { AdminApi, describeChange, pageSummary, type AdminLink, type LinkSearch } from "./admin-api";

/**
 * The admin console: who is signed in, a link search with disable / enable / delete (each confirmed first), and the
 * audit log. Served by the app servers behind the sign-in; an ended session shows a way to sign in again.
 */
const config = currentConfig();
const admin = new AdminApi(new ApiClient(""));
const PAGE_SIZE = 20;

const who = byId("who");
const errorBox = byId("admin-error");
const searchForm = byId<HTMLFormElement>("search-form");
const slugInput = byId<HTMLInputElement>("search-slug");
const qInput = byId<HTMLInputElement>("search-q");
const linksBody = byId<HTMLTableElement>("links-table").tBodies[0]!;
const linksStatus = byId("links-status");
const auditBody = byId<HTMLTableElement>("audit-table").tBodies[0]!;
const dialog = byId<HTMLDialogElement>("confirm-dialog");

let search: LinkSearch = { page: 1, pageSize: PAGE_SIZE };
let auditPage = 1;

function showError(error: unknown): void {
  if (error instanceof ApiError && error.kind === "unauthorized") {
    errorBox.replaceChildren("Your session has ended. ", h("a", { href: location.pathname }, "Sign in again"), ".");
  } else {
    errorBox.textContent = error instanceof Error ? error.message : "Something went wrong.";
  }
  errorBox.hidden = false;
}

function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = "";
}

function pager(prefix: string, page: number, pageSize: number, count: number, total: number, go: (page: number) => void): void {
  byId(`${prefix}-page`).textContent = pageSummary(page, pageSize, count, total);
  const prev = byId<HTMLButtonElement>(`${prefix}-prev`);
  const next = byId<HTMLButtonElement>(`${prefix}-next`);
  prev.disabled = page <= 1;
  next.disabled = page * pageSize >= total;
  prev.onclick = () => go(page - 1);
  next.onclick = () => go(page + 1);
}

/** Asks before a change; resolves true only on an explicit "Confirm". */
function confirmAction(title: string, text: string, action: string): Promise<boolean> {
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-ok").textContent = action;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm"), { once: true }));
}

async function act(link: AdminLink, kind: "disable" | "enable" | "delete"): Promise<void> {
  const texts = {
    disable: [`Disable /${link.slug}?`, `The short link will answer 410 Gone until it is enabled again.`, "Disable"],
    enable: [`Enable /${link.slug}?`, `The short link will redirect to ${link.url} again.`, "Enable"],
    delete: [`Delete /${link.slug}?`, `The link and its click history are removed for good. This cannot be undone.`, "Delete"],
  } as const;
  const [title, text, action] = texts[kind];
  if (!(await confirmAction(title, text, action))) return;
  clearError();
  try {
    if (kind === "delete") await admin.remove(link.slug);
    else await admin.setDisabled(link.slug, kind === "disable");
    linksStatus.textContent = `/${link.slug} ${kind === "delete" ? "deleted" : kind + "d"}.`;
  } catch (error) {
    showError(error);
  }
  await Promise.all([loadLinks(false), loadAudit()]);
}

function linkRow(link: AdminLink): HTMLTableRowElement {
  const actions = h("td", { class: "actions" });
  const toggle = link.disabled ? "enable" : "disable";
  const toggleButton = h("button", { type: "button", "data-action": toggle, "aria-label": `${toggle === "disable" ? "Disable" : "Enable"} /${link.slug}` }, toggle === "disable" ? "Disable" : "Enable");
  toggleButton.addEventListener("click", () => void act(link, toggle));
  const deleteButton = h("button", { type: "button", class: "danger", "data-action": "delete", "aria-label": `Delete /${link.slug}` }, "Delete");
  deleteButton.addEventListener("click", () => void act(link, "delete"));
  actions.append(toggleButton, deleteButton);
  return h("tr", { "data-slug": link.slug },
    h("td", {}, h("a", { href: `/s/${encodeURIComponent(link.slug)}` }, link.slug)),
    h("td", { class: "url" }, link.url),
    h("td", {}, formatDateTime(link.createdAt)),
    h("td", { class: "num" }, String(link.clicks)),
    h("td", {}, h("span", { class: link.disabled ? "badge badge-off" : "badge badge-on" }, link.disabled ? "Disabled" : "Active")),
    actions,
  );
}

// Requests can overlap (the first load and a quick search): only the newest one may render, or a slower earlier
// answer would overwrite the search's results.
let linksRequest = 0;

async function loadLinks(announce = true): Promise<void> {
  const request = ++linksRequest;
  try {
    const result = await admin.links(search);
    if (request !== linksRequest) return;
    linksBody.replaceChildren(...result.items.map(linkRow));
    if (announce) linksStatus.textContent = result.total === 1 ? "1 link found." : `${result.total} links found.`;
    pager("links", result.page, result.pageSize, result.items.length, result.total, (page) => {
      search = { ...search, page };
      void loadLinks();
    });
  } catch (error) {
    if (request === linksRequest) showError(error);
  }
}

async function loadAudit(): Promise<void> {
  try {
    const result = await admin.audit(auditPage);
    auditBody.replaceChildren(...result.items.map((entry) => h("tr", { "data-action": entry.action, "data-slug": entry.slug },
      h("td", {}, h("time", { datetime: entry.at }, formatDateTime(entry.at))),
      h("td", {}, entry.actor),
      h("td", {}, entry.action),
      h("td", {}, entry.slug),
      h("td", {}, describeChange(entry.before, entry.after)),
    )));
    if (result.items.length === 0) auditBody.replaceChildren(h("tr", {}, h("td", { colspan: "5" }, "No admin actions yet.")));
    pager("audit", result.page, result.pageSize, result.items.length, result.total, (page) => {
      auditPage = page;
      void loadAudit();
    });
  } catch (error) {
    showError(error);
  }
}

searchForm.addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  search = { slug: slugInput.value.trim() || undefined, q: qInput.value.trim() || undefined, page: 1, pageSize: PAGE_SIZE };
  void loadLinks();
});

async function start(): Promise<void> {
  try {
    const me = await admin.me();
    who.replaceChildren("Signed in as ", h("strong", { "data-testid": "signed-in-as" }, me.email ?? me.subject ?? "unknown"), " · ", h("a", { href: config.signOutUrl }, "Sign out"));
  } catch (error) {
    who.textContent = "Not signed in";
    showError(error);
    return;
  }
  await Promise.all([loadLinks(), loadAudit()]);
}

void start();
