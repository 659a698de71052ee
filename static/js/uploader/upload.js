/* One chosen file: its card, its state, and what the user can do with it (pause, resume,
 * cancel). Sending is in sending.js, following the processing in processing.js; both work
 * on this object's fields. */

import { precheck } from "./checks.js";
import { fill } from "./messages.js";
import { followProcessing } from "./processing.js";
import { sendFile } from "./sending.js";
import { SpeedMeter } from "./speed.js";
import { BUSY, CANCELLABLE, ON_SERVER, SENDING } from "./states.js";
import { DEFAULT_CHUNK } from "./tus.js";
import { UploadCard, isWorthAnnouncing, showListOutOfDate } from "./ui.js";

const PAINT_MS = 250; // the figures change at most this often while bytes go out

export class Upload {
  /**
   * `file` may stand in for one not chosen yet: {name, size} of a remembered upload.
   * `rules`: the category's (checks.js rulesOf). `key`: where it is remembered (resume.js).
   * `context`: what all uploads share: {messages, tus, memory, queue, list, announcer, mediaUrl}.
   */
  constructor(file, rules, key, context) {
    this.file = file;
    this.rules = rules;
    this.key = key;
    this.context = context;
    this.url = null; // the upload's address on the server, once created or found again
    this.offset = 0; // bytes the server has confirmed
    this.chunkSize = DEFAULT_CHUNK;
    this.expiresAt = 0;
    this.assetId = null;
    this.state = null;
    this.run = 0; // bumped on pause and cancel: older loops see it and stop
    this.xhr = null; // the request under way (http.js)
    this.wake = null; // ends the wait before a retry
    this.attempt = 0; // failed tries in a row, for the backoff
    this.retries = 0;
    this.needsSync = false; // ask the server's offset before the next chunk
    this.lookedUp = false;
    this.restarted = false;
    this.tokenRefreshed = false;
    this.sent = 0; // bytes the server holds or that are on their way
    this.meter = new SpeedMeter();
    this.paintedAt = 0;
    this.card = new UploadCard(context.list, file, context.messages, {
      onPause: () => (this.state === "paused" ? this.resume() : this.pause()),
      onCancel: () => this.cancel(),
    });
    this.li = this.card.li;
    this.paintMeta();
  }

  /** Show a state, with `label` instead of the state's own; `message` is said along with it. */
  setState(state, label, message) {
    const text = label || this.context.messages[state] || state;
    const previous = this.state;
    this.state = state;
    this.card.showState(state, text);
    if (ON_SERVER.includes(state)) {
      showListOutOfDate();
    }
    if (isWorthAnnouncing(state, previous)) {
      this.context.announcer.say(this.file.name + ": " + text + (message ? " " + message : ""));
    }
    this.paintMeta();
  }

  /** An end state, with the reason under the card. */
  finish(state, message) {
    this.card.showMessage(message);
    this.setState(state, "", message);
    if (this.assetId && (state === "rejected" || state === "failed")) {
      this.tellPage("uploader:refused", { message: message });
    }
  }

  /** Processed: show the thumbnail (if there is one) and say it is ready. */
  ready(thumb, media) {
    if (thumb) {
      this.card.showThumbnail(thumb, this.file.name);
    }
    this.finish("ready", "");
    this.tellPage("uploader:ready", { thumb: thumb || null, media: media || null });
  }

  /** Let the page around the uploader (the entry form) follow this file on the server. */
  tellPage(eventName, detail) {
    const base = { assetId: this.assetId, name: this.file.name };
    document.dispatchEvent(new CustomEvent(eventName, { detail: Object.assign(base, detail) }));
  }

  isBusy() {
    return BUSY.includes(this.state);
  }

  async check() {
    this.setState("checking");
    let problem = null;
    try {
      problem = await precheck(this.file, this.rules);
    } catch (error) {
      problem = null; // cannot read it here: let the server decide
    }
    if (problem) {
      this.finish("rejected", fill(this.context.messages[problem.code], problem.values));
      return;
    }
    this.enqueue();
  }

  enqueue() {
    this.setState("queued");
    this.context.queue.add(this);
  }

  /** Called by the queue when this file's turn comes; resolves when the sending slot is free. */
  async drive() {
    const run = ++this.run;
    this.setState("uploading");
    if (await sendFile(this, run)) {
      this.context.memory.remove(this.key);
      this.tellPage("uploader:stored", {});
      followProcessing(this, run); // not awaited: processing needs no sending slot
    }
  }

  pause() {
    if (!SENDING.includes(this.state)) {
      return;
    }
    this.halt();
    this.needsSync = Boolean(this.url);
    this.setState("paused");
    this.progress(this.offset, true); // what the server holds; a half-sent chunk does not count
  }

  resume() {
    if (this.state === "paused") {
      this.enqueue();
    }
  }

  async cancel() {
    if (!CANCELLABLE.includes(this.state)) {
      return;
    }
    this.halt();
    this.context.memory.remove(this.key);
    this.setState("cancelled");
    if (this.url) {
      try {
        await this.context.tus.remove(this, this.url);
      } catch (error) {
        /* the server forgets an untouched upload by itself after a while */
      }
    }
  }

  /** Stop whatever runs now: the request, the wait, the queue slot. */
  halt() {
    this.run += 1;
    this.context.queue.remove(this);
    if (this.xhr) {
      this.xhr.abort();
    }
    if (this.wake) {
      this.wake();
    }
    this.meter.stop();
  }

  /** Another try is coming: count it, and the speed is unknown until bytes move again. */
  countRetry() {
    this.retries += 1;
    this.card.showRetries(this.retries);
    this.meter.stop();
  }

  /** Bytes the server holds or that are on their way; `force` repaints the figures at once. */
  progress(bytes, force) {
    this.card.showProgress(bytes);
    this.sent = bytes;
    const now = performance.now();
    this.meter.add(bytes, now);
    if (force || now - this.paintedAt >= PAINT_MS) {
      this.paintMeta();
    }
  }

  paintMeta() {
    this.paintedAt = performance.now();
    const speed = this.state === "uploading" ? this.meter.bytesPerSecond : 0;
    this.card.showFigures(this.sent, this.file.size, speed);
  }
}
