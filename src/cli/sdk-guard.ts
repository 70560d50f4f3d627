import { EXIT } from '../core/types.ts';

/**
 * The Milvus Node SDK retries a call that ended UNAVAILABLE, DEADLINE_EXCEEDED or INTERNAL once
 * whatever maxRetries says, on the same channel; when that client has been closed meanwhile,
 * grpc-js throws "Channel has been shut down" from inside a gRPC callback, where nothing can catch
 * it, and the process would die mid-run, before its teardown. Our clients close only once their
 * calls have ended (SdkDriver, the security probes); this is the net for any other: that one
 * error, thrown from the SDK's retry, is reported and the run goes on (the abandoned retry had no
 * one waiting for it).
 */
export function survivesSdkRetryOnClosedChannel(): void {
  process.on('uncaughtException', (err) => {
    const sdkRetry = err instanceof Error && err.message === 'Channel has been shut down' && /milvus2-sdk-node/.test(err.stack ?? '');
    if (!sdkRetry) {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exit(EXIT.harness);
    }
    console.error('milvus-drill: ignored an SDK retry on a client already closed (grpc-js: Channel has been shut down)');
  });
}
