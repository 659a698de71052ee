/* The tus 1.0 client for /api/v1/uploads: open an upload, ask its offset, send a chunk,
 * read its state, delete it; and how an unexpected answer is to be taken (retry, gone,
 * stale CSRF token, refusal). Every request to the API goes through TusClient.request,
 * which adds the tus version, asks for JSON and carries the CSRF token. */

import { BadToken, Gone, Refusal, Retry } from "./errors.js";
import { send } from "./http.js";

const TUS_VERSION = "1.0.0";
const MB = 1024 * 1024;
export const DEFAULT_CHUNK = 8 * MB;
const MIN_CHUNK = 5 * MB; // storage needs every chunk but the last to be at least this big
const MAX_BACKOFF_S = 30;
const MAX_RETRY_AFTER_S = 300;

/** Seconds to wait before another try after `attempt` failed ones in a row: 1, 2, 4 … 30. */
export function backoffSeconds(attempt) {
  return Math.min(MAX_BACKOFF_S, 2 ** attempt);
}

/** The chunk size the server asks for, unless it is missing or too small to store. */
export function chunkSizeOf(data) {
  const size = Number(data && data.chunk_size);
  return Number.isFinite(size) && size >= MIN_CHUNK ? size : DEFAULT_CHUNK;
}

const MAX_CHUNK = 48 * MB; // the server refuses request bodies above 64 MiB
const TARGET_CHUNK_SECONDS = 15;

/**
 * The next chunk's size from how fast the last one went: about 15 s of sending, between
 * 5 and 48 MiB. A phone on a slow network keeps small chunks (a drop loses little); a fast
 * line gets big ones (fewer requests, less overhead per byte).
 */
export function nextChunkSize(sentBytes, seconds) {
  if (!(seconds > 0) || !(sentBytes > 0)) {
    return DEFAULT_CHUNK;
  }
  const wanted = (sentBytes / seconds) * TARGET_CHUNK_SECONDS;
  return Math.round(Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, wanted)) / MB) * MB;
}

/** Base64 of the text's UTF-8 bytes, as Upload-Metadata wants its values (btoa alone takes Latin-1). */
function base64(text) {
  const bytes = new TextEncoder().encode(String(text));
  let binary = "";
  bytes.forEach((byte) => {
    binary += String.fromCharCode(byte);
  });
  return window.btoa(binary);
}

export class TusClient {
  /** `networkMessage`: what to say when an error answer carries no message of its own. */
  constructor({ uploadsUrl, csrfUrl, csrfToken, networkMessage }) {
    this.uploadsUrl = uploadsUrl;
    this.csrfUrl = csrfUrl;
    this.csrfToken = csrfToken;
    this.networkMessage = networkMessage;
  }

  /** One request to the API on behalf of `owner` (see http.js `send`). */
  request(owner, method, url, options) {
    const opts = options || {};
    const headers = { "Tus-Resumable": TUS_VERSION, Accept: "application/json" };
    if (method !== "GET" && method !== "HEAD") {
      headers["X-CSRFToken"] = this.csrfToken;
    }
    Object.assign(headers, opts.headers);
    return send(owner, method, url, { headers: headers, body: opts.body, onProgress: opts.onProgress });
  }

  /** The server's reason from an error answer, or the generic one. */
  errorMessage(response) {
    const error = response.data && response.data.error;
    return (error && error.message) || this.networkMessage;
  }

  /** What to do about an unexpected answer, as an error to throw. `isUploadUrl`: a 404 means the upload is gone. */
  failure(response, isUploadUrl) {
    const status = response.status;
    const code = response.data && response.data.error ? response.data.error.code : "";
    if (status === 0 || status >= 500 || status === 408 || status === 429 || code === "incomplete_chunk") {
      const after = Number(response.header("Retry-After"));
      return new Retry(Number.isFinite(after) && after > 0 ? Math.min(after, MAX_RETRY_AFTER_S) : 0);
    }
    if (status === 404 && isUploadUrl) {
      return new Gone(this.errorMessage(response));
    }
    if (status === 400 && code === "http_400") {
      return new BadToken(this.errorMessage(response));
    }
    return new Refusal(status === 422 ? "rejected" : "failed", this.errorMessage(response));
  }

  /** Fetch a fresh CSRF token (the page may have been open longer than the token lives). */
  async refreshCsrf(owner) {
    const response = await this.request(owner, "GET", this.csrfUrl);
    if (response.status === 200 && response.data && response.data.csrf_token) {
      this.csrfToken = response.data.csrf_token;
    }
  }

  /** Open an upload (POST): {url, offset, chunkSize, expiresAt (ms, 0 if not said)}. */
  async create(owner, file, categoryId) {
    const metadata = [
      ["filename", file.name],
      ["filetype", file.type || ""],
      ["category", categoryId],
    ]
      .map((pair) => pair[0] + " " + base64(pair[1]))
      .join(",");
    const response = await this.request(owner, "POST", this.uploadsUrl, {
      headers: { "Upload-Length": String(file.size), "Upload-Metadata": metadata },
    });
    if (response.status !== 201) {
      throw this.failure(response, false);
    }
    const location = response.header("Location");
    return {
      url: location ? new URL(location, window.location.href).pathname : this.uploadsUrl + "/" + response.data.id,
      offset: Number(response.data && response.data.offset) || 0,
      chunkSize: chunkSizeOf(response.data),
      expiresAt: Date.parse(response.data && response.data.expires_at) || 0,
    };
  }

  /** The upload's state as the server describes it (GET); the caller reads the answer. */
  read(owner, url) {
    return this.request(owner, "GET", url);
  }

  /** How many bytes the server holds (HEAD); NaN if it does not say. */
  async offset(owner, url) {
    const response = await this.request(owner, "HEAD", url);
    if (response.status !== 200) {
      throw this.failure(response, true);
    }
    return parseInt(response.header("Upload-Offset"), 10);
  }

  /**
   * Send bytes start…end of the file (PATCH); `onProgress(bytes)` counts this chunk's bytes
   * on their way. Resolves with {offset, expiresAt (ms, NaN if not said)} once stored, or
   * null on a conflict (409): the server holds another offset than `start`.
   */
  async patch(owner, url, file, start, end, onProgress) {
    const response = await this.request(owner, "PATCH", url, {
      headers: { "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" },
      body: file.slice(start, end),
      onProgress: (loaded) => onProgress(Math.min(loaded, end - start)),
    });
    if (response.status === 204) {
      const offset = parseInt(response.header("Upload-Offset"), 10);
      return {
        offset: Number.isFinite(offset) ? offset : end,
        expiresAt: Date.parse(response.header("Upload-Expires") || ""),
      };
    }
    if (response.status === 409) {
      return null;
    }
    throw this.failure(response, true);
  }

  /** Free the upload on the server (DELETE). */
  remove(owner, url) {
    return this.request(owner, "DELETE", url);
  }
}
