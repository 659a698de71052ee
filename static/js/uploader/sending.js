/* Sending one file: find or open its upload, send it chunk by chunk, and get over what goes
 * wrong on the way. A dropped connection, a timeout or a busy server is tried again after
 * a growing pause, first asking the server how much it holds; an upload the server has
 * forgotten is started once more; a stale CSRF token is renewed once. Every step checks
 * `run` against upload.run: a pause or a cancel bumps it, and the old loop then stops. */

import { BadToken, Gone, Refusal, Retry, Stopped } from "./errors.js";
import { fill } from "./messages.js";
import { backoffSeconds, chunkSizeOf, nextChunkSize } from "./tus.js";

/** Send the file until it is complete (true), or refused, paused or cancelled (false). */
export async function sendFile(upload, run) {
  const { memory, messages, tus } = upload.context;
  for (;;) {
    try {
      await transfer(upload, run);
      return true;
    } catch (error) {
      if (run !== upload.run) {
        return false; // paused or cancelled meanwhile
      }
      if (error instanceof Retry) {
        upload.needsSync = Boolean(upload.url);
        await waitToRetry(upload, run, error.afterSeconds);
        if (run !== upload.run) {
          return false;
        }
        upload.setState("uploading");
      } else if (error instanceof Gone && !upload.restarted) {
        upload.restarted = true; // expired or cancelled elsewhere: start once more from zero
        memory.remove(upload.key);
        upload.url = null;
        upload.offset = 0;
        upload.lookedUp = true;
      } else if (error instanceof BadToken && !upload.tokenRefreshed) {
        upload.tokenRefreshed = true;
        upload.needsSync = Boolean(upload.url);
        try {
          await tus.refreshCsrf(upload);
        } catch (refreshError) {
          /* the next attempt will tell */
        }
        if (run !== upload.run) {
          return false;
        }
      } else if (error instanceof Refusal || error instanceof Gone || error instanceof BadToken) {
        if (error instanceof Gone || error.state === "rejected") {
          memory.remove(upload.key); // the server dropped it; otherwise (logged out…) it may resume later
        }
        upload.finish(error.state || "failed", error.message);
        return false;
      } else {
        upload.finish("failed", messages.network); // a bug of ours; do not loop on it
        return false;
      }
    }
  }
}

function checkRun(upload, run) {
  if (run !== upload.run) {
    throw new Stopped();
  }
}

/** One attempt: each step is skipped when an earlier attempt has done it already. */
async function transfer(upload, run) {
  if (!upload.url && !upload.lookedUp) {
    await lookUp(upload);
    checkRun(upload, run);
  }
  if (!upload.assetId && !upload.url) {
    await create(upload);
    checkRun(upload, run);
  }
  if (!upload.assetId && upload.needsSync) {
    await sync(upload);
    checkRun(upload, run);
  }
  while (!upload.assetId && upload.offset < upload.file.size) {
    await sendChunk(upload);
    checkRun(upload, run);
  }
  if (!upload.assetId) {
    await readAssetId(upload);
  }
}

/** The same file chosen again (after a reload): find the upload it started. */
async function lookUp(upload) {
  const { memory, tus } = upload.context;
  const saved = memory.get(upload.key);
  if (saved) {
    const response = await tus.read(upload, saved.url);
    const data = response.data || {};
    if (response.status === 200 && data.state === "receiving" && data.length === upload.file.size) {
      upload.url = saved.url;
      upload.offset = Number(data.offset) || 0;
      upload.chunkSize = chunkSizeOf(data);
      upload.meter.restart();
      upload.progress(upload.offset, true);
    } else if (response.status === 200 && data.state === "complete" && data.asset_id) {
      upload.assetId = data.asset_id; // it arrived; only the answer was lost
      memory.remove(upload.key);
    } else if (response.status === 200 || response.status === 404) {
      memory.remove(upload.key); // cancelled, unknown or another file: start afresh
    } else {
      throw tus.failure(response, true); // busy server, or logged out: keep it for later
    }
  }
  upload.lookedUp = true;
}

async function create(upload) {
  const created = await upload.context.tus.create(upload, upload.file, upload.rules.categoryId);
  upload.url = created.url;
  upload.offset = created.offset;
  upload.chunkSize = created.chunkSize;
  upload.needsSync = false;
  upload.expiresAt = created.expiresAt;
  remember(upload);
}

function remember(upload) {
  upload.context.memory.remember(upload.key, {
    url: upload.url,
    expiresAt: upload.expiresAt,
    name: upload.file.name,
    size: upload.file.size,
    offset: upload.offset,
  });
}

/** Ask the server how much it holds (after a retry, a conflict or a pause). */
async function sync(upload) {
  const offset = await upload.context.tus.offset(upload, upload.url);
  if (Number.isFinite(offset)) {
    upload.offset = offset;
  }
  upload.needsSync = false;
  upload.meter.restart();
  upload.progress(upload.offset, true);
}

async function sendChunk(upload) {
  const start = upload.offset;
  const end = Math.min(start + upload.chunkSize, upload.file.size);
  const startedAt = performance.now();
  const stored = await upload.context.tus.patch(upload, upload.url, upload.file, start, end, (bytes) =>
    upload.progress(start + bytes)
  );
  if (stored) {
    upload.chunkSize = nextChunkSize(end - start, (performance.now() - startedAt) / 1000);
    upload.offset = stored.offset;
    upload.attempt = 0;
    upload.progress(upload.offset, true);
    upload.expiresAt = stored.expiresAt || upload.expiresAt;
    remember(upload);
    return;
  }
  await sync(upload);
  if (upload.offset === start) {
    throw new Retry(); // someone else holds this chunk for now: wait and ask again
  }
}

/** Every byte is there: the upload's answer names the asset it became. */
async function readAssetId(upload) {
  const { messages, tus } = upload.context;
  const response = await tus.read(upload, upload.url);
  const data = response.data || {};
  if (response.status === 200 && data.state === "complete" && data.asset_id) {
    upload.assetId = data.asset_id;
    return;
  }
  if (response.status === 200 && data.state === "receiving") {
    upload.offset = Number(data.offset) || 0;
    throw new Retry();
  }
  if (response.status === 200) {
    throw new Refusal("failed", messages.network);
  }
  throw tus.failure(response, true);
}

/** Wait 1, 2, 4 … 30 s (or Retry-After), counting down on the card; at once when back online. */
function waitToRetry(upload, run, afterSeconds) {
  const { messages } = upload.context;
  let left = afterSeconds || backoffSeconds(upload.attempt);
  upload.attempt += 1;
  upload.countRetry();
  return new Promise((resolve) => {
    let timer = 0;
    const done = () => {
      window.clearTimeout(timer);
      window.removeEventListener("online", done);
      upload.wake = null;
      resolve();
    };
    const tick = () => {
      if (run !== upload.run || left <= 0) {
        done();
        return;
      }
      const label = navigator.onLine === false ? messages.offline : fill(messages.retrying, { seconds: left });
      upload.setState("retrying", label);
      left -= 1;
      timer = window.setTimeout(tick, 1000);
    };
    upload.wake = done;
    window.addEventListener("online", done);
    tick();
  });
}
