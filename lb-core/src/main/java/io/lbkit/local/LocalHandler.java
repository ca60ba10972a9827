package io.lbkit.local;

/**
 * Answers some paths in-process instead of forwarding them: the stats page, the demo's controls, a
 * gateway's own status page. Engines ask {@link #handles} for each request's path (cheap: no
 * allocation), and call {@link #answer} for those it takes; the request's body, if any, is read
 * and dropped. Must be thread-safe: engines call it from many threads (in the Netty engine, from
 * an event loop, so it must not block for long).
 */
public interface LocalHandler {
  /** Whether requests for {@code path} (not decoded, no query) are answered here. */
  boolean handles(String path);

  /** The answer to {@code request}, whose path {@link #handles} accepted. Never null. */
  LocalAnswer answer(LocalRequest request);
}
