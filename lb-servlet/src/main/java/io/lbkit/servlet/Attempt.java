package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Request;

/** One try of a {@link ProxyExchange} on one server: what the client's events told us so far. */
final class Attempt {
  final Selection selection;
  Request request;
  AsyncRequestContent content;
  volatile boolean begun;
  volatile boolean committed;
  volatile boolean responseBegun;
  volatile boolean headersCopied;
  volatile boolean writing;
  private final AtomicBoolean ended = new AtomicBoolean();

  Attempt(Selection selection) {
    this.selection = selection;
  }

  Server server() {
    return selection.server();
  }

  /** Counts the request as no longer in flight on its server (once). */
  void ended() {
    if (ended.compareAndSet(false, true)) {
      selection.server().stats().requestEnded();
    }
  }
}
