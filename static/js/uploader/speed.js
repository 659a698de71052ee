/* The upload speed shown on a card, in bytes per second. Figures come many times a second
 * and in bursts, so the rate is taken over half-second samples and smoothed. */

const SAMPLE_MS = 500;

export class SpeedMeter {
  constructor() {
    this.bytesPerSecond = 0;
    this.sample = null;
  }

  /** `bytes` are on their way at time `now` (performance.now()). */
  add(bytes, now) {
    if (!this.sample) {
      this.sample = { time: now, bytes: bytes };
    } else if (now - this.sample.time >= SAMPLE_MS) {
      const rate = (bytes - this.sample.bytes) / ((now - this.sample.time) / 1000);
      if (rate >= 0) {
        // Mostly the speed so far, so that one slow or quick moment does not swing it.
        this.bytesPerSecond = this.bytesPerSecond ? this.bytesPerSecond * 0.7 + rate * 0.3 : rate;
      }
      this.sample = { time: now, bytes: bytes };
    }
  }

  /** The count jumped (the server said what it holds): measure afresh from the next figure. */
  restart() {
    this.sample = null;
  }

  /** Nothing moves now (paused, waiting to retry). */
  stop() {
    this.bytesPerSecond = 0;
    this.sample = null;
  }
}
