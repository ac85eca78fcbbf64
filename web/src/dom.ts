/** A tiny element builder: enough for these pages without a framework. Text is always set as text (no HTML injection). */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

/** Shows or clears the message under a form field and links it to the field for assistive technology. */
export function setFieldError(input: HTMLInputElement, messages: readonly string[] | undefined): void {
  const errorId = `${input.id}-error`;
  const message = document.getElementById(errorId);
  if (!message) return;
  const text = messages && messages.length > 0 ? messages.join(" ") : "";
  message.textContent = text;
  message.hidden = text === "";
  if (text === "") {
    input.removeAttribute("aria-invalid");
  } else {
    input.setAttribute("aria-invalid", "true");
  }
}

/** Copies text to the clipboard; falls back to selecting the text for a manual copy where the API is unavailable. */
export async function copyText(text: string, fallbackTarget?: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (fallbackTarget) {
      const range = document.createRange();
      range.selectNodeContents(fallbackTarget);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
    }
    return false;
  }
}
