/* One HTTP request with XMLHttpRequest rather than fetch: only XHR reports how much of a
 * request body has gone out, which the progress bar needs within a chunk. */

import { Retry, Stopped } from "./errors.js";

const STALL_MS = 30000; // nothing sent for this long: give up on the request and retry
const ANSWER_MS = 120000; // the whole chunk is sent: how long to wait for the answer

/**
 * Send a request; `owner.xhr` holds it while it runs, so that the owner can abort it.
 * Resolves with {status, data (the JSON answer or null), header(name)} whatever the status;
 * rejects with Retry (no connection, or stalled) or Stopped (aborted by the owner).
 * options: {headers, body, onProgress(bytesOfBodySent)}.
 */
export function send(owner, method, url, options) {
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
      resolve({ status: xhr.status, data: jsonOf(xhr), header: (name) => xhr.getResponseHeader(name) });
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

/** The answer's JSON, or null when there is none (or it does not parse). */
function jsonOf(xhr) {
  if (!xhr.responseText || !/json/.test(xhr.getResponseHeader("Content-Type") || "")) {
    return null;
  }
  try {
    return JSON.parse(xhr.responseText);
  } catch (error) {
    return null;
  }
}
