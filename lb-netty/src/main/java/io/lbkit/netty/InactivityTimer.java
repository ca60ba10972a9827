package io.lbkit.netty;

import io.lbkit.core.Ticker;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An inactivity timeout on an event loop ({@code timeout-client}, {@code timeout-server}): a read
 * only stores the time; one scheduled task checks when the timeout could have passed and
 * reschedules itself for the rest, so busy connections cost no timer operations per read.
 * Confined to its event loop.
 */
final class InactivityTimer implements Runnable {
  private final EventLoop loop;
  private final Ticker ticker;
  private final long timeoutNanos;
  private final Runnable onTimeout;
  private long lastActivity;
  private boolean running;
  private ScheduledFuture<?> task;

  InactivityTimer(EventLoop loop, Ticker ticker, long timeoutNanos, Runnable onTimeout) {
    this.loop = loop;
    this.ticker = ticker;
    this.timeoutNanos = timeoutNanos;
    this.onTimeout = onTimeout;
  }

  /** Starts (or restarts) counting from now. */
  void start() {
    lastActivity = ticker.read();
    running = true;
    if (task == null) {
      task = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Something happened: the silence starts again from now. */
  void touch() {
    lastActivity = ticker.read();
  }

  /** Stops counting; a pending check finds nothing to do (cheaper than cancelling per request). */
  void stop() {
    running = false;
  }

  /** Stops and drops the pending check, when the connection closes. */
  void cancel() {
    running = false;
    if (task != null) {
      task.cancel(false);
      task = null;
    }
  }

  @Override
  public void run() {
    task = null;
    if (!running) {
      return;
    }
    long silent = ticker.read() - lastActivity;
    if (silent >= timeoutNanos) {
      running = false;
      onTimeout.run();
    } else {
      task = loop.schedule(this, timeoutNanos - silent, TimeUnit.NANOSECONDS);
    }
  }
}
