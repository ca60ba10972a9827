package io.lbkit.health;

import io.lbkit.core.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One check of one endpoint on an {@link AsynchronousSocketChannel}: no thread waits on it. The
 * channel's completion handlers only move the exchange on; timeouts run on the group's scheduler.
 * The outcome is handed to {@code done} exactly once, from whichever thread finished it.
 */
final class Probe {
  /** Longest status line read; a longer first line is a bad response. */
  static final int MAX_STATUS_LINE = 1024;

  /** The outcome of a check: the HAProxy status code and a short detail for the log. */
  record Result(boolean ok, String status, String detail) {
    /** L4CON or L4TOUT: the address itself did not answer (a hint to resolve DNS again). */
    boolean layer4Failure() {
      return status.startsWith("L4") && !ok;
    }
  }

  private final InetSocketAddress address;
  private final HttpCheck http; // null for a TCP check
  private final byte[] request;
  private final ScheduledExecutorService scheduler;
  private final long connectTimeoutNanos;
  private final long responseTimeoutNanos; // measured from connect when checkTimeout is set
  private final boolean responseTimeoutFromStart;
  private final Consumer<Result> done;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final Ticker clock;
  private final long startNanos;
  private volatile AsynchronousSocketChannel channel;
  private volatile ScheduledFuture<?> timeout;

  /**
   * {@code clock} is the clock of {@code scheduler}: the remaining response time is measured on it
   * and then armed on the scheduler, so the two must move together.
   */
  Probe(InetSocketAddress address, HttpCheck http, String hostHeader, ScheduledExecutorService scheduler, Ticker clock,
      long connectTimeoutNanos, long responseTimeoutNanos, boolean responseTimeoutFromStart, Consumer<Result> done) {
    this.address = address;
    this.http = http;
    this.request = http == null ? null : http.request(hostHeader).getBytes(StandardCharsets.ISO_8859_1);
    this.scheduler = scheduler;
    this.clock = clock;
    this.startNanos = clock.read();
    this.connectTimeoutNanos = connectTimeoutNanos;
    this.responseTimeoutNanos = responseTimeoutNanos;
    this.responseTimeoutFromStart = responseTimeoutFromStart;
    this.done = done;
  }

  void start() {
    if (finished.get()) {
      return;
    }
    AsynchronousSocketChannel ch;
    try {
      ch = AsynchronousSocketChannel.open();
    } catch (IOException | RuntimeException e) {
      finish(new Result(false, "SOCKERR", "cannot open a socket: " + e));
      return;
    }
    channel = ch;
    if (finished.get()) { // aborted while opening: abort() may not have seen the channel
      cleanUp();
      return;
    }
    if (!arm(connectTimeoutNanos, "L4TOUT", "connect timed out")) {
      return;
    }
    try {
      ch.connect(address, null, new CompletionHandler<Void, Void>() {
        @Override
        public void completed(Void v, Void a) {
          connected();
        }

        @Override
        public void failed(Throwable e, Void a) {
          if (isReset(e)) {
            // the handshake completed and the peer reset before we saw it: the same outcome as a
            // reset seen right after connect, so a racing kernel cannot flip the status
            resetAfterConnect(e);
          } else {
            finish(new Result(false, "L4CON", describe(e)));
          }
        }
      });
    } catch (RuntimeException e) { // e.g. an unsupported address family
      finish(new Result(false, "L4CON", describe(e)));
    }
  }

  /** Stops the probe without reporting (the checker was closed or the server went away). */
  void abort() {
    if (finished.compareAndSet(false, true)) {
      cleanUp();
    }
  }

  private void resetAfterConnect(Throwable e) {
    if (http == null) {
      finish(new Result(true, "L4OK", "connected, then reset"));
    } else {
      finish(new Result(false, "SOCKERR", describe(e)));
    }
  }

  /** ECONNRESET: only an established connection can be reset (a refused SYN is ConnectException). */
  private static boolean isReset(Throwable e) {
    return !(e instanceof java.net.ConnectException) && e.getMessage() != null
        && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection reset");
  }

  private void connected() {
    if (http == null) {
      finish(new Result(true, "L4OK", "connected"));
      return;
    }
    disarm();
    long remaining = responseTimeoutFromStart
        ? responseTimeoutNanos - (clock.read() - startNanos)
        : responseTimeoutNanos;
    if (!arm(Math.max(remaining, 0), "L7TOUT", "no response in time")) {
      return;
    }
    write(ByteBuffer.wrap(request));
  }

  private void write(ByteBuffer request) {
    try {
      channel.write(request, null, new CompletionHandler<Integer, Void>() {
        @Override
        public void completed(Integer n, Void a) {
          if (request.hasRemaining()) {
            write(request);
          } else {
            read(ByteBuffer.allocate(MAX_STATUS_LINE));
          }
        }

        @Override
        public void failed(Throwable e, Void a) {
          finish(new Result(false, "SOCKERR", "sending the request: " + describe(e)));
        }
      });
    } catch (RuntimeException e) {
      finish(new Result(false, "SOCKERR", "sending the request: " + describe(e)));
    }
  }

  private void read(ByteBuffer buffer) {
    try {
      channel.read(buffer, null, new CompletionHandler<Integer, Void>() {
        @Override
        public void completed(Integer n, Void a) {
          int lineEnd = indexOfNewline(buffer);
          if (lineEnd >= 0) {
            String line = new String(buffer.array(), 0, lineEnd, StandardCharsets.ISO_8859_1);
            finish(http.judge(line));
          } else if (n < 0) {
            finish(new Result(false, "L7RSP", buffer.position() == 0 ? "empty response" : "truncated status line"));
          } else if (!buffer.hasRemaining()) {
            finish(new Result(false, "L7RSP", "status line longer than " + MAX_STATUS_LINE + " bytes"));
          } else {
            read(buffer);
          }
        }

        @Override
        public void failed(Throwable e, Void a) {
          finish(new Result(false, "SOCKERR", "reading the response: " + describe(e)));
        }
      });
    } catch (RuntimeException e) {
      finish(new Result(false, "SOCKERR", "reading the response: " + describe(e)));
    }
  }

  private static int indexOfNewline(ByteBuffer buffer) {
    byte[] bytes = buffer.array();
    for (int i = 0; i < buffer.position(); i++) {
      if (bytes[i] == '\n') {
        return i > 0 && bytes[i - 1] == '\r' ? i - 1 : i;
      }
    }
    return -1;
  }

  /** Schedules a timeout; false when the scheduler is gone (then the probe is finished). */
  private boolean arm(long nanos, String status, String detail) {
    try {
      ScheduledFuture<?> t = scheduler.schedule(() -> {
        finish(new Result(false, status, detail));
      }, nanos, TimeUnit.NANOSECONDS);
      timeout = t;
      if (finished.get()) { // finished meanwhile: don't leave the timer queued
        t.cancel(false);
      }
      return true;
    } catch (RejectedExecutionException e) {
      abort();
      return false;
    }
  }

  private void disarm() {
    ScheduledFuture<?> t = timeout;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void finish(Result result) {
    if (finished.compareAndSet(false, true)) {
      cleanUp();
      done.accept(result);
    }
  }

  private void cleanUp() {
    disarm();
    AsynchronousSocketChannel ch = channel;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // closing a check socket: nothing to do about a failure
      }
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null ? e.getClass().getSimpleName() : message;
  }
}
