package io.lbkit.servlet;

import io.lbkit.core.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * {@code timeout-client} for one exchange: fires when the proxy has been waiting for the client
 * (its request body, or room for the response) longer than the timeout. Checked every quarter of
 * the timeout on the client's scheduler, with time from the injected {@link Ticker}.
 */
final class ClientWatchdog {
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final long timeoutNanos;
  private final long periodMillis;
  private final BooleanSupplier finished;
  private final LongConsumer onSilent;
  private volatile long lastProgress;
  private volatile boolean waiting;
  private volatile Scheduler.Task task;

  /**
   * @param finished whether the exchange is over (the watchdog then stops)
   * @param onSilent called once with the silent time in nanoseconds when the timeout fires
   */
  ClientWatchdog(ProxyContext context, BooleanSupplier finished, LongConsumer onSilent) {
    this.scheduler = context.client.getScheduler();
    this.ticker = context.ticker;
    this.timeoutNanos = context.options.timeoutClient().toNanos();
    this.periodMillis = Math.max(10, context.options.timeoutClient().toMillis() / 4);
    this.finished = finished;
    this.onSilent = onSilent;
    this.lastProgress = ticker.read();
  }

  void start() {
    task = scheduler.schedule(this::check, periodMillis, TimeUnit.MILLISECONDS);
  }

  /** The client moved: a body buffer came, or the output took one. */
  void progress() {
    lastProgress = ticker.read();
    waiting = false;
  }

  /** The proxy now waits for the client. */
  void waiting() {
    waiting = true;
  }

  void cancel() {
    Scheduler.Task t = task;
    if (t != null) {
      t.cancel();
    }
  }

  private void check() {
    if (finished.getAsBoolean()) {
      return;
    }
    long idle = ticker.read() - lastProgress;
    if (waiting && idle >= timeoutNanos) {
      onSilent.accept(idle);
      return;
    }
    start();
  }
}
