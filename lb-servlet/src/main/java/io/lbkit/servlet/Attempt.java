package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.util.thread.Scheduler;

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
  /** No more body for this attempt: it ended (set under the exchange's body lock). */
  boolean bodyClosed;
  /** The {@code timeout-queue} timer while the request waits in the client's queue. */
  volatile Scheduler.Task queueTimer;
  volatile boolean queueTimedOut;
  private boolean contentClosed;
  private final AtomicBoolean ended = new AtomicBoolean();

  Attempt(Selection selection) {
    this.selection = selection;
  }

  Server server() {
    return selection.server();
  }

  void cancelQueueTimer() {
    Scheduler.Task t = queueTimer;
    if (t != null) {
      queueTimer = null;
      t.cancel();
    }
  }

  /** Ends the request body sent to the server (once); called by the exchange's body pump only. */
  void closeContent() {
    if (!contentClosed) {
      contentClosed = true;
      content.close();
    }
  }

  /** Counts the request as no longer in flight on its server (once). */
  void ended() {
    if (ended.compareAndSet(false, true)) {
      selection.server().stats().requestEnded();
    }
  }
}
