/* What the page shows: one card per file (name, state, progress bar, figures, message,
 * buttons), state changes said once in the aria-live region, and the note that the list
 * of uploaded files is out of date. State is shown by classes and the hidden attribute:
 * the CSP allows no inline styles. */

import { clock, fill, megabytesPerSecond, megabytesSent } from "./messages.js";
import { CANCELLABLE, SENDING } from "./states.js";

const MAX_ANNOUNCED = 5; // lines kept in the live region
// States not worth announcing: the user has just chosen the file or the card says it all.
const QUIET = ["checking", "queued", "unfinished"];

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** One file's card, added to `list`; `onPause` and `onCancel` answer its buttons. */
export class UploadCard {
  constructor(list, file, messages, { onPause, onCancel }) {
    this.messages = messages;
    const li = element("li", "upload");
    li.tabIndex = -1; // focusable from script, to keep the focus when its buttons go away
    this.nameEl = element("p", "upload-name", file.name);
    this.stateEl = element("p", "upload-state");
    this.bar = element("progress", "upload-progress");
    this.bar.max = Math.max(file.size, 1);
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", fill(messages.progress, { name: file.name }));
    this.meta = element("p", "upload-meta");
    this.bytesEl = element("span", "upload-bytes");
    this.speedEl = element("span", "upload-speed");
    this.etaEl = element("span", "upload-eta");
    this.meta.append(this.bytesEl, this.speedEl, this.etaEl);
    this.messageEl = element("p", "upload-message");
    this.messageEl.hidden = true;
    this.actions = element("div", "upload-actions");
    this.pauseButton = element("button", "button button--small", messages.pause);
    this.pauseButton.type = "button";
    this.pauseButton.addEventListener("click", onPause);
    this.cancelButton = element("button", "button button--small button--danger", messages.cancel);
    this.cancelButton.type = "button";
    this.cancelButton.addEventListener("click", onCancel);
    this.actions.append(this.pauseButton, this.cancelButton);
    li.append(this.nameEl, this.stateEl, this.bar, this.meta, this.messageEl, this.actions);
    this.li = li;
    list.appendChild(li);
  }

  /** Show a state: a class on the card, its label, the bar and the buttons that make sense. */
  showState(state, label) {
    this.li.className = "upload upload--" + state;
    this.li.dataset.state = state;
    this.stateEl.textContent = label;
    const sending = SENDING.includes(state) || state === "paused" || state === "unfinished";
    this.bar.hidden = !sending;
    this.meta.hidden = !sending;
    this.pauseButton.hidden = !(SENDING.includes(state) || state === "paused");
    this.pauseButton.textContent = state === "paused" ? this.messages.resume : this.messages.pause;
    const showActions = CANCELLABLE.includes(state);
    if (!showActions && this.actions.contains(document.activeElement)) {
      this.li.focus(); // the focused button is going away: keep the focus on this card
    }
    this.actions.hidden = !showActions;
  }

  showProgress(bytes) {
    this.bar.value = bytes;
  }

  /** "3,0 of 12,4 MB", and while `bytesPerSecond` > 0 the speed and the time left. */
  showFigures(sent, total, bytesPerSecond) {
    const moving = bytesPerSecond > 0;
    this.bytesEl.textContent = fill(this.messages.sent, { sent: megabytesSent(sent), total: megabytesSent(total) });
    this.speedEl.textContent = moving ? fill(this.messages.speed, { speed: megabytesPerSecond(bytesPerSecond) }) : "";
    this.etaEl.textContent = moving ? fill(this.messages.left, { time: clock((total - sent) / bytesPerSecond) }) : "";
    this.speedEl.hidden = !moving;
    this.etaEl.hidden = !moving;
  }

  showMessage(text) {
    this.messageEl.textContent = text || "";
    this.messageEl.hidden = !text;
  }

  /** How many times sending was tried again (data-retries, for whoever looks into it). */
  showRetries(count) {
    this.li.dataset.retries = String(count);
  }

  /** The processed file's thumbnail {url, width, height}, above the message. */
  showThumbnail(thumb, alt) {
    const img = element("img", "upload-thumb");
    img.alt = alt;
    img.decoding = "async";
    if (thumb.width && thumb.height) {
      img.width = thumb.width;
      img.height = thumb.height;
    }
    img.src = thumb.url;
    this.li.insertBefore(img, this.messageEl);
  }
}

/** Whether a change of state is said aloud: not every step of a file that simply goes up. */
export function isWorthAnnouncing(state, previous) {
  if (state === previous || QUIET.includes(state)) {
    return false;
  }
  return state !== "uploading" || ["retrying", "paused"].includes(previous);
}

/** Says a state change once, politely, in the page's aria-live region (if there is one). */
export class Announcer {
  constructor(region) {
    this.region = region;
  }

  say(text) {
    if (!this.region) {
      return;
    }
    const line = document.createElement("p");
    line.textContent = text;
    this.region.appendChild(line);
    while (this.region.childNodes.length > MAX_ANNOUNCED) {
      this.region.removeChild(this.region.firstChild);
    }
  }
}

/** The server's list of uploaded files below is out of date until the next visit: say so. */
export function showListOutOfDate() {
  const empty = document.getElementById("assets-empty");
  const later = document.getElementById("assets-later");
  if (empty) {
    empty.hidden = true;
  }
  if (later) {
    later.hidden = false;
  }
}
