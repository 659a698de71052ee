/* How a request or an attempt can end other than with an answer to act on; the sending
 * loop (sending.js) tells by the class what to do next. */

/** Paused or cancelled by the user: not an error. */
export class Stopped extends Error {}

/** Worth another try later: no connection, timeout, 5xx, busy. */
export class Retry extends Error {
  constructor(afterSeconds) {
    super("retry");
    this.afterSeconds = afterSeconds || 0;
  }
}

/** The upload is unknown to the server (expired, cancelled elsewhere). */
export class Gone extends Error {}

/** A 400 without a reason of ours: most likely an out-of-date CSRF token. */
export class BadToken extends Error {}

/** The server said no; `state` is "rejected" (the file is refused) or "failed". */
export class Refusal extends Error {
  constructor(state, message) {
    super(message);
    this.state = state;
  }
}
