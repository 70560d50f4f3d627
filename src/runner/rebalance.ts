import { SEGMENT_DISTRIBUTION, describeBalance, isBalanced, nodeBalance, segmentCount, unbalanceable, type DistributionSample } from '../checks/rebalance.ts';
import type { HistoryRecorder } from '../history/recorder.ts';
import { delay, FatalProbeError, waitFor } from '../util/poll.ts';
import type { SdkDriver } from '../workload/sdk.ts';

const SAMPLE_EVERY_MS = 1_000;

/**
 * Samples the query coordinator's segment distribution into the history (a note per sample,
 * every second) from construction until disposed, so the rebalance check reads it from the
 * history alone. A sample that cannot be taken (the coordinator busy, a node going away) is
 * skipped: the next one comes a second later.
 */
export class DistributionSampler implements AsyncDisposable {
  private readonly stop = new AbortController();
  private readonly loop: Promise<void>;
  private latest: DistributionSample | null = null;
  /** The most segments any sample listed: one taken mid-move may list fewer than the collection has. */
  private mostSegments = 0;

  constructor(private readonly driver: SdkDriver, private readonly history: HistoryRecorder, private readonly log: (m: string) => void) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const at = this.history.now();
      try {
        const segments = await this.driver.segmentDistribution();
        const sample: DistributionSample = { at, segments };
        this.history.event('note', SEGMENT_DISTRIBUTION, JSON.stringify(sample));
        this.latest = sample;
        this.mostSegments = Math.max(this.mostSegments, segmentCount(sample));
      } catch {
        // Skipped; see the class comment.
      }
      await delay(SAMPLE_EVERY_MS, this.stop.signal).catch(() => undefined);
    }
  }

  /** Until a sample taken at or after `from` shows `nodes` query nodes balanced; the signal bounds it. */
  async untilBalanced(nodes: number, from: number, signal: AbortSignal): Promise<void> {
    let reported = '';
    await waitFor(
      () => {
        const s = this.latest;
        if (!s || s.at < from) return false;
        const text = describeBalance(nodeBalance(s));
        if (text !== reported) this.log(`rebalance: ${(reported = text)}`);
        const never = unbalanceable(this.mostSegments, nodes);
        if (never) throw new FatalProbeError(never);
        return isBalanced(s, nodes);
      },
      { what: `segments balanced over ${nodes} query nodes`, timeoutMs: 24 * 3600_000, intervalMs: 500, signal },
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.stop.abort();
    await this.loop;
  }
}
