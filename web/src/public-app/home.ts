import { ApiError } from "../api";
import { byId, copyText, setFieldError } from "../dom";
import type { LinksApi } from "../links";
import { fieldErrors } from "../problem";
import { retryMessage } from "../retry-after";

const FIELDS = ["url", "slug"] as const;

/** The home page: the create form, its errors next to the fields, and the new short link with a copy button. */
export function startHome(links: LinksApi): void {
  const form = byId<HTMLFormElement>("create-form");
  const urlInput = byId<HTMLInputElement>("url");
  const slugInput = byId<HTMLInputElement>("slug");
  const button = byId<HTMLButtonElement>("create-button");
  const formError = byId("form-error");
  const result = byId("result");
  const shortUrl = byId<HTMLAnchorElement>("short-url");
  const copyButton = byId<HTMLButtonElement>("copy-button");
  const copyStatus = byId("copy-status");
  const target = byId("result-target");
  const statsLink = byId<HTMLAnchorElement>("stats-link");
  const inputs = { url: urlInput, slug: slugInput };
  let retryTimer: number | undefined;

  const showFormError = (message: string) => {
    formError.textContent = message;
    formError.hidden = message === "";
  };

  const clearErrors = () => {
    for (const field of FIELDS) setFieldError(inputs[field], undefined);
    showFormError("");
  };

  // An edited field loses its stale error at once.
  for (const field of FIELDS) {
    inputs[field].addEventListener("input", () => setFieldError(inputs[field], undefined));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors();
    const url = urlInput.value.trim();
    const slug = slugInput.value.trim();
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const link = await links.create(url, slug || undefined);
      shortUrl.href = link.shortUrl;
      shortUrl.textContent = link.shortUrl;
      target.textContent = link.url;
      statsLink.href = `/s/${encodeURIComponent(link.slug)}`;
      copyStatus.textContent = "";
      result.hidden = false;
      shortUrl.focus();
      button.disabled = false;
    } catch (error) {
      button.disabled = false;
      showError(error);
    } finally {
      form.removeAttribute("aria-busy");
    }
  });

  function showError(error: unknown): void {
    if (!(error instanceof ApiError)) {
      showFormError("Something went wrong. Try again.");
      return;
    }
    switch (error.kind) {
      case "validation": {
        const errors = fieldErrors(error.problem, FIELDS);
        for (const field of FIELDS) setFieldError(inputs[field], errors[field]);
        if (errors[""]) showFormError(errors[""].join(" "));
        const first = FIELDS.find((f) => errors[f]);
        if (first) inputs[first].focus();
        return;
      }
      case "conflict":
        if (slugInput.value.trim() !== "") {
          setFieldError(slugInput, [error.message]);
          slugInput.focus();
        } else {
          showFormError(error.message);
        }
        return;
      case "rate-limited": {
        showFormError(retryMessage(error.retryAfterSeconds));
        // Submitting again before the window passes would only be refused again.
        const wait = error.retryAfterSeconds ?? 5;
        button.disabled = true;
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(() => {
          button.disabled = false;
          showFormError("");
        }, wait * 1000);
        return;
      }
      default:
        showFormError(error.message);
    }
  }

  copyButton.addEventListener("click", async () => {
    const copied = await copyText(shortUrl.href, shortUrl);
    copyStatus.textContent = copied ? "Copied to the clipboard." : "Press Ctrl+C (⌘C) to copy the selected link.";
  });
}
