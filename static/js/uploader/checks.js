/* Checks made before a file is sent, so that a phone does not send 50 MB only to hear that
 * the file is refused. The server stays the authority and checks everything again; what
 * this browser cannot read (HEIC, a damaged file) is left to it. */

import { compatible, formatNames, sniff } from "./formats.js";
import { megabytes, minutesSeconds } from "./messages.js";

const CHECK_TIMEOUT_MS = 15000;
const DURATION_GRACE_S = 0.5; // as the server: a 60 s recording may last 60.02 s

/** A category's rules, from the data attributes of its <option>. */
export function rulesOf(option) {
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

/** The first rule the file breaks, as {code, values} for the messages, or null. */
export async function precheck(file, rules) {
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
    return { code: "wrong_type", values: { allowed: formatNames(rules.formats) } };
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

/** The file's first 16 bytes. */
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

/**
 * Resolve with what `probe(url, finish)` finds in the file behind an object URL, or null
 * after a while; the URL is revoked either way. `probe` may return its own cleanup.
 */
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
