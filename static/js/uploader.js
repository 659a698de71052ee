/* Resumable uploads for the "My files" page, speaking tus 1.0 to /api/v1/uploads.
 *
 * Each chosen or dropped file gets its own card. Before anything is sent the file is
 * checked against the category's rules (size, real type from its first bytes, photo
 * size or video length); the server stays the authority and checks everything again.
 * The file then goes up in chunks (XMLHttpRequest, for progress within a chunk); a
 * dropped connection, a timeout or a 5xx is retried with a growing pause, after asking
 * the server how much it holds. The upload's address is remembered in localStorage, so
 * choosing the same file again after a reload continues where it stopped. Once complete,
 * the asset is polled until it is ready (thumbnail) or refused (the server's reason).
 *
 * No libraries, no build step, no inline styles (CSP): state is shown by classes.
 */
(function () {
  "use strict";

  const root = document.getElementById("uploader");
  const messagesEl = document.getElementById("uploader-messages");
  if (!root || !messagesEl || !window.XMLHttpRequest || !window.Blob || !window.Promise) {
    return;
  }
  const list = document.getElementById("upload-list");
  const input = document.getElementById("upload-files");
  const dropzone = document.getElementById("dropzone");
  const categorySelect = document.getElementById("upload-category");
  const announcer = document.getElementById("upload-announcer");
  const T = JSON.parse(messagesEl.textContent);
  const UPLOADS_URL = root.dataset.uploadsUrl;
  const MEDIA_URL = root.dataset.mediaUrl;
  const LANG = document.documentElement.lang || "vi";
  let csrfToken = root.dataset.csrf;

  const TUS_VERSION = "1.0.0";
  const MB = 1024 * 1024;
  const DEFAULT_CHUNK = 8 * MB;
  const MIN_CHUNK = 5 * MB; // storage needs every chunk but the last to be at least this big
  const MAX_ACTIVE = 2; // files sent at the same time
  const MAX_BACKOFF_S = 30;
  const STALL_MS = 30000; // nothing sent for this long: give up on the request and retry
  const ANSWER_MS = 120000; // the whole chunk is sent: how long to wait for the answer
  const POLL_FIRST_MS = 2000;
  const POLL_MAX_MS = 15000;
  const CHECK_TIMEOUT_MS = 15000;
  const DURATION_GRACE_S = 0.5; // as the server: a 60 s recording may last 60.02 s
  // One user's remembered uploads are not shown to another on a shared phone.
  const STORE_PREFIX = "hna-upload:" + (root.dataset.owner || "") + ":";
  const STORE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  const FORMAT_NAMES = { jpeg: "JPEG", png: "PNG", heic: "HEIC", mp4: "MP4", mov: "MOV", webm: "WebM" };
  const FORMAT_ACCEPT = {
    jpeg: "image/jpeg,.jpg,.jpeg",
    png: "image/png,.png",
    heic: "image/heic,image/heif,.heic,.heif",
    mp4: "video/mp4,.mp4,.m4v",
    mov: "video/quicktime,.mov",
    webm: "video/webm,.webm",
  };
  const HEIC_BRANDS = ["heic", "heix", "heim", "heis", "mif1", "msf1"];
  const SENDING = ["queued", "uploading", "retrying"];
  const CANCELLABLE = ["queued", "uploading", "retrying", "paused", "unfinished"];
  const QUIET = ["checking", "queued", "unfinished"];

  // --- text -------------------------------------------------------------------------------

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, (match, key) =>
      Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match
    );
  }

  function numberFormat(options) {
    try {
      return new Intl.NumberFormat(LANG, options);
    } catch (error) {
      return new Intl.NumberFormat(undefined, options);
    }
  }
  const looseNumber = numberFormat({ maximumFractionDigits: 1 });
  const oneDecimal = numberFormat({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const twoDecimals = numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 });

  /** Megabytes as the server writes them in its messages: "50", "3,5". */
  function megabytes(bytes) {
    return looseNumber.format(Math.round((bytes / MB) * 10) / 10);
  }

  function pad(value) {
    return String(value).padStart(2, "0");
  }

  /** Minutes and seconds as the server writes a video's length: "5:00", "12:07". */
  function minutesSeconds(seconds) {
    const total = Math.round(seconds);
    return Math.floor(total / 60) + ":" + pad(total % 60);
  }

  /** Time left: "0:42", "12:07", "1:02:03". */
  function clock(seconds) {
    const total = Math.max(0, Math.ceil(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    return hours ? hours + ":" + pad(minutes) + ":" + pad(total % 60) : minutes + ":" + pad(total % 60);
  }

  function base64(text) {
    const bytes = new TextEncoder().encode(String(text));
    let binary = "";
    bytes.forEach((byte) => {
      binary += String.fromCharCode(byte);
    });
    return window.btoa(binary);
  }

  // --- announcements ----------------------------------------------------------------------

  /** Say a state change once, politely; the cards' changing figures are not announced. */
  function announce(text) {
    if (!announcer) {
      return;
    }
    const line = document.createElement("p");
    line.textContent = text;
    announcer.appendChild(line);
    while (announcer.childNodes.length > 5) {
      announcer.removeChild(announcer.firstChild);
    }
  }

  // --- remembered uploads (resume after a reload) -----------------------------------------

  const store = {
    get(key) {
      try {
        const saved = JSON.parse(window.localStorage.getItem(key) || "null");
        return saved && typeof saved.url === "string" ? saved : null;
      } catch (error) {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch (error) {
        /* private mode or full: the upload still works, it just cannot resume after a reload */
      }
    },
    remove(key) {
      try {
        window.localStorage.removeItem(key);
      } catch (error) {
        /* nothing to do */
      }
    },
    /** Forget uploads the server has dropped by now (any user's); list this user's others. */
    entries() {
      const found = [];
      try {
        const now = Date.now();
        for (let i = window.localStorage.length - 1; i >= 0; i -= 1) {
          const key = window.localStorage.key(i);
          if (key && key.startsWith("hna-upload:")) {
            const saved = store.get(key);
            if (!saved || !(now - saved.savedAt < STORE_MAX_AGE_MS) || saved.expiresAt < now) {
              window.localStorage.removeItem(key);
            } else if (key.startsWith(STORE_PREFIX)) {
              found.push([key, saved]);
            }
          }
        }
      } catch (error) {
        /* storage unavailable */
      }
      return found.sort((a, b) => a[1].savedAt - b[1].savedAt);
    },
  };

  // --- checks before sending (the server checks everything again) -------------------------

  function rulesOf(option) {
    const data = option.dataset;
    const number = (value) => (value ? Number(value) : null);
    return {
      categoryId: option.value,
      kind: data.kind,
      formats: (data.formats || "").split(",").map((f) => f.trim()).filter(Boolean),
      minBytes: number(data.minBytes),
      maxBytes: number(data.maxBytes),
      minLongEdge: number(data.minLongEdge),
      maxSeconds: number(data.maxSeconds),
    };
  }

  /** The format a file's first bytes reveal, as app/media/sniff.py sees it. */
  function sniff(head) {
    const startsWith = (offset, bytes) => bytes.every((value, i) => head[offset + i] === value);
    const ascii = (offset, length) => String.fromCharCode.apply(null, Array.from(head.subarray(offset, offset + length)));
    if (startsWith(0, [0xff, 0xd8, 0xff])) {
      return "jpeg";
    }
    if (startsWith(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
      return "png";
    }
    if (startsWith(0, [0x1a, 0x45, 0xdf, 0xa3])) {
      return "webm";
    }
    if (head.length >= 12 && ascii(4, 4) === "ftyp") {
      const brand = ascii(8, 4);
      if (HEIC_BRANDS.includes(brand)) {
        return "heic";
      }
      return brand === "qt  " ? "mov" : "mp4";
    }
    if (head.length >= 8 && ["moov", "mdat", "wide", "free"].includes(ascii(4, 4))) {
      return "mov";
    }
    return null;
  }

  function compatible(format, allowed) {
    if (!format) {
      return false;
    }
    const family = format === "mp4" || format === "mov" ? ["mp4", "mov"] : [format];
    return family.some((f) => allowed.includes(f));
  }

  function readHead(file) {
    const blob = file.slice(0, 16);
    if (blob.arrayBuffer) {
      return blob.arrayBuffer().then((buffer) => new Uint8Array(buffer));
    }
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(new Uint8Array(reader.result));
      reader.onerror = () => reject(reader.error);
      reader.readAsArrayBuffer(blob);
    });
  }

  /** Resolve with what `probe` finds in the file behind an object URL, or null (revoked either way). */
  function withObjectUrl(file, probe) {
    return new Promise((resolve) => {
      const url = URL.createObjectURL(file);
      let settled = false;
      let cleanup = () => {};
      const finish = (value) => {
        if (settled) {
          return;
        }
        settled = true;
        window.clearTimeout(timer);
        cleanup();
        URL.revokeObjectURL(url);
        resolve(value);
      };
      const timer = window.setTimeout(() => finish(null), CHECK_TIMEOUT_MS);
      cleanup = probe(url, finish) || cleanup;
    });
  }

  /** The photo's pixel size, or null when this browser cannot read it (HEIC, damaged file). */
  function imageSize(file) {
    return withObjectUrl(file, (url, finish) => {
      const img = new Image();
      img.decoding = "async";
      img.onload = () => finish(img.naturalWidth ? { width: img.naturalWidth, height: img.naturalHeight } : null);
      img.onerror = () => finish(null);
      img.src = url;
      return () => {
        img.onload = null;
        img.onerror = null;
      };
    });
  }

  /** The video's length in seconds, or null when this browser cannot read it. */
  function videoDuration(file) {
    return withObjectUrl(file, (url, finish) => {
      const video = document.createElement("video");
      video.preload = "metadata";
      video.muted = true;
      video.onloadedmetadata = () => finish(Number.isFinite(video.duration) ? video.duration : null);
      video.onerror = () => finish(null);
      video.src = url;
      return () => {
        video.onloadedmetadata = null;
        video.onerror = null;
        video.removeAttribute("src");
        video.load();
      };
    });
  }

  /** The first rule the file breaks, as {code, values} for the messages, or null. */
  async function precheck(file, rules) {
    if (file.size === 0) {
      return { code: "empty", values: {} };
    }
    if (rules.maxBytes !== null && file.size > rules.maxBytes) {
      return { code: "too_large", values: { max: megabytes(rules.maxBytes) } };
    }
    if (rules.minBytes !== null && file.size < rules.minBytes) {
      return { code: "too_small_file", values: { min: megabytes(rules.minBytes) } };
    }
    const head = await readHead(file);
    if (!compatible(sniff(head), rules.formats)) {
      const allowed = rules.formats.map((f) => FORMAT_NAMES[f] || f.toUpperCase()).join(", ");
      return { code: "wrong_type", values: { allowed: allowed } };
    }
    if (rules.kind === "photo" && rules.minLongEdge) {
      const size = await imageSize(file);
      const longEdge = size ? Math.max(size.width, size.height) : null;
      if (longEdge !== null && longEdge < rules.minLongEdge) {
        return { code: "too_small_dimensions", values: { long_edge: longEdge, min: rules.minLongEdge } };
      }
    }
    if (rules.kind === "video" && rules.maxSeconds) {
      const seconds = await videoDuration(file);
      if (seconds !== null && seconds > rules.maxSeconds + DURATION_GRACE_S) {
        return { code: "too_long", values: { duration: minutesSeconds(seconds), max: minutesSeconds(rules.maxSeconds) } };
      }
    }
    return null;
  }

  // --- requests ---------------------------------------------------------------------------

  /** Paused or cancelled by the user: not an error. */
  class Stopped extends Error {}
  /** Worth another try later: no connection, timeout, 5xx, busy. */
  class Retry extends Error {
    constructor(afterSeconds) {
      super("retry");
      this.afterSeconds = afterSeconds || 0;
    }
  }
  /** The upload is unknown to the server (expired, cancelled elsewhere). */
  class Gone extends Error {}
  /** A 400 without a reason of ours: most likely an out-of-date CSRF token. */
  class BadToken extends Error {}
  /** The server said no; `state` is "rejected" (the file is refused) or "failed". */
  class Refusal extends Error {
    constructor(state, message) {
      super(message);
      this.state = state;
    }
  }

  /** One request with XMLHttpRequest: upload progress, a stall timer, abortable via owner.xhr. */
  function request(owner, method, url, options) {
    const opts = options || {};
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      let timer = 0;
      let timedOut = false;
      const arm = (ms) => {
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          timedOut = true;
          xhr.abort();
        }, ms);
      };
      const settle = () => {
        window.clearTimeout(timer);
        if (owner.xhr === xhr) {
          owner.xhr = null;
        }
      };
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", TUS_VERSION);
      xhr.setRequestHeader("Accept", "application/json");
      if (method !== "GET" && method !== "HEAD") {
        xhr.setRequestHeader("X-CSRFToken", csrfToken);
      }
      Object.keys(opts.headers || {}).forEach((name) => xhr.setRequestHeader(name, opts.headers[name]));
      if (opts.body) {
        xhr.upload.onprogress = (event) => {
          arm(STALL_MS);
          if (opts.onProgress) {
            opts.onProgress(event.loaded);
          }
        };
        xhr.upload.onload = () => arm(ANSWER_MS);
      }
      xhr.onload = () => {
        settle();
        let data = null;
        if (xhr.responseText && /json/.test(xhr.getResponseHeader("Content-Type") || "")) {
          try {
            data = JSON.parse(xhr.responseText);
          } catch (error) {
            data = null;
          }
        }
        resolve({ status: xhr.status, data: data, header: (name) => xhr.getResponseHeader(name) });
      };
      xhr.onerror = () => {
        settle();
        reject(new Retry());
      };
      xhr.onabort = () => {
        settle();
        reject(timedOut ? new Retry() : new Stopped());
      };
      owner.xhr = xhr;
      arm(STALL_MS);
      xhr.send(opts.body || null);
    });
  }

  function errorMessage(response) {
    const error = response.data && response.data.error;
    return (error && error.message) || T.network;
  }

  /** What to do about an unexpected answer. `isUploadUrl`: a 404 means the upload is gone. */
  function failure(response, isUploadUrl) {
    const status = response.status;
    const code = response.data && response.data.error ? response.data.error.code : "";
    if (status === 0 || status >= 500 || status === 408 || status === 429 || code === "incomplete_chunk") {
      const after = Number(response.header("Retry-After"));
      return new Retry(Number.isFinite(after) && after > 0 ? Math.min(after, 300) : 0);
    }
    if (status === 404 && isUploadUrl) {
      return new Gone(errorMessage(response));
    }
    if (status === 400 && code === "http_400") {
      return new BadToken(errorMessage(response));
    }
    return new Refusal(status === 422 ? "rejected" : "failed", errorMessage(response));
  }

  async function refreshCsrf(owner) {
    const response = await request(owner, "GET", root.dataset.csrfUrl);
    if (response.status === 200 && response.data && response.data.csrf_token) {
      csrfToken = response.data.csrf_token;
    }
  }

  function chunkSizeOf(data) {
    const size = Number(data && data.chunk_size);
    return Number.isFinite(size) && size >= MIN_CHUNK ? size : DEFAULT_CHUNK;
  }

  function delay(ms) {
    return new Promise((resolve) => window.setTimeout(resolve, ms));
  }

  // --- the queue --------------------------------------------------------------------------

  const items = [];
  const queue = [];
  let active = 0;

  function schedule() {
    while (active < MAX_ACTIVE && queue.length) {
      const item = queue.shift();
      active += 1;
      item.drive().finally(() => {
        active -= 1;
        schedule();
      });
    }
  }

  function unqueue(item) {
    const index = queue.indexOf(item);
    if (index >= 0) {
      queue.splice(index, 1);
    }
  }

  // --- one file ---------------------------------------------------------------------------

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function keyOf(file, categoryId) {
    return STORE_PREFIX + [file.name, file.size, file.lastModified, categoryId].join("|");
  }

  class Upload {
    /** `file` may stand in for one not chosen yet: {name, size} of a remembered upload. */
    constructor(file, rules, key) {
      this.file = file;
      this.rules = rules;
      this.key = key;
      this.url = null; // the upload's address on the server, once created or found again
      this.offset = 0; // bytes the server has confirmed
      this.chunkSize = DEFAULT_CHUNK;
      this.assetId = null;
      this.state = null;
      this.run = 0; // bumped on pause and cancel: older loops see it and stop
      this.xhr = null;
      this.wake = null;
      this.attempt = 0;
      this.retries = 0;
      this.needsSync = false; // ask the server's offset before the next chunk
      this.lookedUp = false;
      this.restarted = false;
      this.tokenRefreshed = false;
      this.speed = 0;
      this.sample = null;
      this.paintedAt = 0;
      this.build();
    }

    build() {
      const li = element("li", "upload");
      li.tabIndex = -1;
      this.nameEl = element("p", "upload-name", this.file.name);
      this.stateEl = element("p", "upload-state");
      this.bar = element("progress", "upload-progress");
      this.bar.max = Math.max(this.file.size, 1);
      this.bar.value = 0;
      this.bar.setAttribute("aria-label", fill(T.progress, { name: this.file.name }));
      this.meta = element("p", "upload-meta");
      this.bytesEl = element("span", "upload-bytes");
      this.speedEl = element("span", "upload-speed");
      this.etaEl = element("span", "upload-eta");
      this.meta.append(this.bytesEl, this.speedEl, this.etaEl);
      this.messageEl = element("p", "upload-message");
      this.messageEl.hidden = true;
      this.actions = element("div", "upload-actions");
      this.pauseButton = element("button", "button button--small", T.pause);
      this.pauseButton.type = "button";
      this.pauseButton.addEventListener("click", () => (this.state === "paused" ? this.resume() : this.pause()));
      this.cancelButton = element("button", "button button--small button--danger", T.cancel);
      this.cancelButton.type = "button";
      this.cancelButton.addEventListener("click", () => this.cancel());
      this.actions.append(this.pauseButton, this.cancelButton);
      li.append(this.nameEl, this.stateEl, this.bar, this.meta, this.messageEl, this.actions);
      this.li = li;
      list.appendChild(li);
      this.paintMeta();
    }

    /** Show a state: a class on the card, its label, the buttons that make sense. */
    setState(state, label, message) {
      const text = label || T[state] || state;
      const previous = this.state;
      const changed = state !== previous;
      this.state = state;
      this.li.className = "upload upload--" + state;
      this.li.dataset.state = state;
      this.stateEl.textContent = text;
      const sending = SENDING.includes(state) || state === "paused" || state === "unfinished";
      this.bar.hidden = !sending;
      this.meta.hidden = !sending;
      this.pauseButton.hidden = !(SENDING.includes(state) || state === "paused");
      this.pauseButton.textContent = state === "paused" ? T.resume : T.pause;
      const showActions = CANCELLABLE.includes(state);
      if (!showActions && this.actions.contains(document.activeElement)) {
        this.li.focus(); // the focused button is going away: keep the focus on this card
      }
      this.actions.hidden = !showActions;
      if (["pending", "processing", "ready"].includes(state)) {
        // The server's list below is out of date until the next visit: say so.
        const empty = document.getElementById("assets-empty");
        const later = document.getElementById("assets-later");
        if (empty) {
          empty.hidden = true;
        }
        if (later) {
          later.hidden = false;
        }
      }
      // Announce what matters, once: not every step of a file that simply goes up.
      const quiet = QUIET.includes(state) || (state === "uploading" && !["retrying", "paused"].includes(previous));
      if (changed && !quiet) {
        announce(this.file.name + ": " + text + (message ? " " + message : ""));
      }
      this.paintMeta();
    }

    showMessage(text) {
      this.messageEl.textContent = text || "";
      this.messageEl.hidden = !text;
    }

    isBusy() {
      return ["checking", "queued", "uploading", "retrying", "paused", "pending", "processing"].includes(this.state);
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
        this.finish("rejected", fill(T[problem.code], problem.values));
        return;
      }
      this.enqueue();
    }

    enqueue() {
      this.setState("queued");
      queue.push(this);
      schedule();
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
      store.remove(this.key);
      this.setState("cancelled");
      if (this.url) {
        try {
          await request(this, "DELETE", this.url);
        } catch (error) {
          /* the server forgets an untouched upload by itself after a while */
        }
      }
    }

    /** Stop whatever runs now: the request, the wait, the queue slot. */
    halt() {
      this.run += 1;
      unqueue(this);
      if (this.xhr) {
        this.xhr.abort();
      }
      if (this.wake) {
        this.wake();
      }
      this.speed = 0;
      this.sample = null;
    }

    /** Send the file, retrying until it is complete, refused, paused or cancelled. */
    async drive() {
      const run = ++this.run;
      this.setState("uploading");
      for (;;) {
        try {
          await this.transfer(run);
          break;
        } catch (error) {
          if (run !== this.run) {
            return; // paused or cancelled meanwhile
          }
          if (error instanceof Retry) {
            this.needsSync = Boolean(this.url);
            await this.backoff(run, error.afterSeconds);
            if (run !== this.run) {
              return;
            }
            this.setState("uploading");
          } else if (error instanceof Gone && !this.restarted) {
            this.restarted = true; // expired or cancelled elsewhere: start once more from zero
            store.remove(this.key);
            this.url = null;
            this.offset = 0;
            this.lookedUp = true;
          } else if (error instanceof BadToken && !this.tokenRefreshed) {
            this.tokenRefreshed = true;
            this.needsSync = Boolean(this.url);
            try {
              await refreshCsrf(this);
            } catch (refreshError) {
              /* the next attempt will tell */
            }
            if (run !== this.run) {
              return;
            }
          } else if (error instanceof Refusal || error instanceof Gone || error instanceof BadToken) {
            if (error instanceof Gone || error.state === "rejected") {
              store.remove(this.key); // the server dropped it; otherwise (logged out…) it may resume later
            }
            this.finish(error.state || "failed", error.message);
            return;
          } else {
            this.finish("failed", T.network); // a bug of ours; do not loop on it
            return;
          }
        }
      }
      store.remove(this.key);
      this.follow(run);
    }

    checkRun(run) {
      if (run !== this.run) {
        throw new Stopped();
      }
    }

    async transfer(run) {
      if (!this.url && !this.lookedUp) {
        await this.lookUp();
        this.checkRun(run);
      }
      if (!this.assetId && !this.url) {
        await this.create();
        this.checkRun(run);
      }
      if (!this.assetId && this.needsSync) {
        await this.sync();
        this.checkRun(run);
      }
      while (!this.assetId && this.offset < this.file.size) {
        await this.sendChunk();
        this.checkRun(run);
      }
      if (!this.assetId) {
        await this.readAssetId();
      }
    }

    /** The same file chosen again (after a reload): find the upload it started. */
    async lookUp() {
      const saved = store.get(this.key);
      if (saved) {
        const response = await request(this, "GET", saved.url);
        const data = response.data || {};
        if (response.status === 200 && data.state === "receiving" && data.length === this.file.size) {
          this.url = saved.url;
          this.offset = Number(data.offset) || 0;
          this.chunkSize = chunkSizeOf(data);
          this.sample = null;
          this.progress(this.offset, true);
        } else if (response.status === 200 && data.state === "complete" && data.asset_id) {
          this.assetId = data.asset_id; // it arrived; only the answer was lost
          store.remove(this.key);
        } else if (response.status === 200 || response.status === 404) {
          store.remove(this.key); // cancelled, unknown or another file: start afresh
        } else {
          throw failure(response, true); // busy server, or logged out: keep it for later
        }
      }
      this.lookedUp = true;
    }

    async create() {
      const metadata = [
        ["filename", this.file.name],
        ["filetype", this.file.type || ""],
        ["category", this.rules.categoryId],
      ]
        .map((pair) => pair[0] + " " + base64(pair[1]))
        .join(",");
      const response = await request(this, "POST", UPLOADS_URL, {
        headers: { "Upload-Length": String(this.file.size), "Upload-Metadata": metadata },
      });
      if (response.status !== 201) {
        throw failure(response, false);
      }
      const location = response.header("Location");
      this.url = location ? new URL(location, window.location.href).pathname : UPLOADS_URL + "/" + response.data.id;
      this.offset = Number(response.data && response.data.offset) || 0;
      this.chunkSize = chunkSizeOf(response.data);
      this.needsSync = false;
      this.expiresAt = Date.parse(response.data && response.data.expires_at) || 0;
      this.remember();
    }

    /** Keep what a later visit needs to resume, and to say which file to choose again. */
    remember() {
      store.set(this.key, {
        url: this.url,
        savedAt: Date.now(),
        expiresAt: this.expiresAt || 0,
        name: this.file.name,
        size: this.file.size,
        offset: this.offset,
      });
    }

    /** Ask the server how much it holds (after a retry, a conflict or a pause). */
    async sync() {
      const response = await request(this, "HEAD", this.url);
      if (response.status !== 200) {
        throw failure(response, true);
      }
      const offset = parseInt(response.header("Upload-Offset"), 10);
      if (Number.isFinite(offset)) {
        this.offset = offset;
      }
      this.needsSync = false;
      this.sample = null;
      this.progress(this.offset, true);
    }

    async sendChunk() {
      const start = this.offset;
      const end = Math.min(start + this.chunkSize, this.file.size);
      const response = await request(this, "PATCH", this.url, {
        headers: { "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" },
        body: this.file.slice(start, end),
        onProgress: (loaded) => this.progress(start + Math.min(loaded, end - start)),
      });
      if (response.status === 204) {
        const offset = parseInt(response.header("Upload-Offset"), 10);
        this.offset = Number.isFinite(offset) ? offset : end;
        this.attempt = 0;
        this.progress(this.offset, true);
        this.expiresAt = Date.parse(response.header("Upload-Expires") || "") || this.expiresAt;
        this.remember();
        return;
      }
      if (response.status === 409) {
        await this.sync();
        if (this.offset === start) {
          throw new Retry(); // someone else holds this chunk for now: wait and ask again
        }
        return;
      }
      throw failure(response, true);
    }

    async readAssetId() {
      const response = await request(this, "GET", this.url);
      const data = response.data || {};
      if (response.status === 200 && data.state === "complete" && data.asset_id) {
        this.assetId = data.asset_id;
        return;
      }
      if (response.status === 200 && data.state === "receiving") {
        this.offset = Number(data.offset) || 0;
        throw new Retry();
      }
      if (response.status === 200) {
        throw new Refusal("failed", T.network);
      }
      throw failure(response, true);
    }

    /** Wait 1, 2, 4 … 30 s (or Retry-After), counting down; at once when back online. */
    backoff(run, afterSeconds) {
      let left = afterSeconds || Math.min(MAX_BACKOFF_S, 2 ** this.attempt);
      this.attempt += 1;
      this.retries += 1;
      this.li.dataset.retries = String(this.retries);
      this.speed = 0;
      this.sample = null;
      return new Promise((resolve) => {
        let timer = 0;
        const done = () => {
          window.clearTimeout(timer);
          window.removeEventListener("online", done);
          this.wake = null;
          resolve();
        };
        const tick = () => {
          if (run !== this.run || left <= 0) {
            done();
            return;
          }
          this.setState("retrying", navigator.onLine === false ? T.offline : fill(T.retrying, { seconds: left }));
          left -= 1;
          timer = window.setTimeout(tick, 1000);
        };
        this.wake = done;
        window.addEventListener("online", done);
        tick();
      });
    }

    /** Follow the processing of the finished upload until it is ready or refused. */
    async follow(run) {
      this.setState("pending");
      let wait = POLL_FIRST_MS;
      for (;;) {
        let response = null;
        try {
          response = await request(this, "GET", MEDIA_URL + "/" + encodeURIComponent(this.assetId));
        } catch (error) {
          response = null; // offline for a moment: ask again later
        }
        if (run !== this.run) {
          return;
        }
        const media = response && response.status === 200 ? response.data : null;
        if (media && media.state === "ready") {
          this.ready(media);
          return;
        }
        if (media && (media.state === "rejected" || media.state === "failed")) {
          this.finish(media.state, media.message || T[media.state]);
          return;
        }
        if (media) {
          this.setState(media.state === "processing" ? "processing" : "pending");
        } else if (response && response.status >= 400 && response.status < 500 && response.status !== 429) {
          this.finish("failed", errorMessage(response));
          return;
        }
        await delay(wait);
        wait = Math.min(POLL_MAX_MS, Math.round(wait * 1.5));
      }
    }

    ready(media) {
      const derivatives = media.derivatives || [];
      const thumb =
        derivatives.find((d) => d.name === "w480.webp") ||
        derivatives.find((d) => d.name === "poster.jpg") ||
        derivatives.find((d) => /^image\//.test(d.content_type || ""));
      if (thumb) {
        const img = element("img", "upload-thumb");
        img.alt = this.file.name;
        img.decoding = "async";
        if (thumb.width && thumb.height) {
          img.width = thumb.width;
          img.height = thumb.height;
        }
        img.src = thumb.url;
        this.li.insertBefore(img, this.messageEl);
      }
      this.finish("ready", "");
    }

    finish(state, message) {
      this.showMessage(message);
      this.setState(state, "", message);
    }

    /** Bytes the server holds or that are on their way; speed smoothed over half-second samples. */
    progress(bytes, force) {
      this.bar.value = bytes;
      this.sent = bytes;
      const now = performance.now();
      if (!this.sample) {
        this.sample = { time: now, bytes: bytes };
      } else if (now - this.sample.time >= 500) {
        const rate = (bytes - this.sample.bytes) / ((now - this.sample.time) / 1000);
        if (rate >= 0) {
          this.speed = this.speed ? this.speed * 0.7 + rate * 0.3 : rate;
        }
        this.sample = { time: now, bytes: bytes };
      }
      if (force || now - this.paintedAt >= 250) {
        this.paintMeta();
      }
    }

    paintMeta() {
      if (!this.bytesEl) {
        return;
      }
      this.paintedAt = performance.now();
      const sent = this.sent || 0;
      this.bytesEl.textContent = fill(T.sent, {
        sent: oneDecimal.format(sent / MB),
        total: oneDecimal.format(this.file.size / MB),
      });
      const moving = this.state === "uploading" && this.speed > 0;
      const mbps = this.speed / MB;
      this.speedEl.textContent = moving ? fill(T.speed, { speed: (mbps < 1 ? twoDecimals : oneDecimal).format(mbps) }) : "";
      this.etaEl.textContent = moving ? fill(T.left, { time: clock((this.file.size - sent) / this.speed) }) : "";
      this.speedEl.hidden = !moving;
      this.etaEl.hidden = !moving;
    }
  }

  // --- choosing files ---------------------------------------------------------------------

  function addFiles(fileList) {
    const option = categorySelect.options[categorySelect.selectedIndex];
    if (!option) {
      return;
    }
    Array.from(fileList || []).forEach((file) => {
      const key = keyOf(file, option.value);
      const existing = items.find((item) => item.key === key && item.isBusy());
      if (existing) {
        existing.li.focus(); // already on its way
        return;
      }
      const item = new Upload(file, rulesOf(option), key);
      const waiting = items.find((other) => other.key === key && other.state === "unfinished");
      if (waiting) {
        list.replaceChild(item.li, waiting.li); // the remembered card becomes the real one
        items.splice(items.indexOf(waiting), 1);
      }
      items.push(item);
      item.check();
    });
  }

  function updateAccept() {
    const option = categorySelect.options[categorySelect.selectedIndex];
    const formats = option ? rulesOf(option).formats : [];
    const accept = formats.map((f) => FORMAT_ACCEPT[f]).filter(Boolean).join(",");
    if (accept) {
      input.setAttribute("accept", accept);
    } else {
      input.removeAttribute("accept");
    }
  }

  function carriesFiles(event) {
    return Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types || []).includes("Files");
  }

  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = ""; // the same file may be chosen again later (to resume it)
    addFiles(files);
  });
  categorySelect.addEventListener("change", updateAccept);

  ["dragenter", "dragover"].forEach((type) => {
    dropzone.addEventListener(type, (event) => {
      if (!carriesFiles(event)) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      dropzone.classList.add("is-dragover");
    });
  });
  dropzone.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget || !dropzone.contains(event.relatedTarget)) {
      dropzone.classList.remove("is-dragover");
    }
  });
  dropzone.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) {
      return;
    }
    event.preventDefault();
    dropzone.classList.remove("is-dragover");
    addFiles(event.dataTransfer.files);
  });
  // A file dropped beside the zone would otherwise open in place of the page.
  window.addEventListener("dragover", (event) => {
    if (carriesFiles(event) && !dropzone.contains(event.target)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    }
  });
  window.addEventListener("drop", (event) => {
    if (carriesFiles(event)) {
      event.preventDefault();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (items.some((item) => SENDING.includes(item.state))) {
      event.preventDefault();
      event.returnValue = ""; // leaving is fine (the upload resumes), but ask first
    }
  });

  /** Cards for uploads left unfinished on an earlier visit: choose the file again to go on. */
  function showRemembered() {
    store.entries().forEach(([key, saved]) => {
      if (!saved.name || !(saved.size > 0)) {
        return;
      }
      const item = new Upload({ name: String(saved.name), size: Number(saved.size) }, null, key);
      item.url = saved.url;
      item.offset = Number(saved.offset) || 0;
      item.progress(item.offset, true);
      item.setState("unfinished");
      items.push(item);
    });
  }

  root.classList.add("uploader--ready");
  updateAccept();
  showRemembered();
})();
