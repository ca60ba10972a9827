package io.lbkit.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.util.Callback;

/**
 * The client's request body of one {@link ProxyExchange}, pumped into the current {@link Attempt}
 * one buffer at a time: a buffer is read only when the attempt's connection is up and took the
 * previous one. The pump runs on one thread at a time (a work-in-progress counter re-runs it when
 * signalled while running).
 *
 * <p>Reading a buffer and ending an attempt ({@link #close}) exclude each other (one small lock
 * per exchange, never contended but at an attempt's end), so once an attempt has ended not one
 * more byte is read for it, and {@link #close} reports every byte read before. A retry's attempt
 * thus gets the body from its start when none was read, or, when the body was empty and already
 * ended, an ended body at once; a body partly read is never sent again.
 */
final class RequestBody implements ReadListener {
  private static final int BUFFER = 32 * 1024;
  /** Methods whose requests carry no content in practice (RFC 9110 gives a body of theirs no meaning). */
  private static final Set<String> BODYLESS = Set.of("GET", "HEAD", "DELETE", "OPTIONS", "TRACE");

  private final ServletInputStream in;
  private final byte[] buffer;
  private final Supplier<Attempt> attempt;
  private final ClientWatchdog watchdog;
  private final BooleanSupplier clientGone;
  private final Consumer<Throwable> clientFailed;
  private final AtomicInteger work = new AtomicInteger();
  private final Object lock = new Object();
  private long bytesRead; // guarded by lock
  private boolean ended; // guarded by lock: the client's body ended

  /**
   * Starts listening to {@code request}'s body.
   *
   * @param attempt the exchange's current attempt
   * @param clientGone whether the client went away (the pump then stops)
   * @param clientFailed called when reading the body fails
   */
  RequestBody(HttpServletRequest request, Supplier<Attempt> attempt, ClientWatchdog watchdog,
      BooleanSupplier clientGone, Consumer<Throwable> clientFailed) throws IOException {
    long length = request.getContentLengthLong();
    this.buffer = new byte[(int) (length > 0 ? Math.min(length, BUFFER) : BUFFER)]; // a small body, a small buffer
    this.attempt = attempt;
    this.watchdog = watchdog;
    this.clientGone = clientGone;
    this.clientFailed = clientFailed;
    this.in = request.getInputStream();
    in.setReadListener(this);
  }

  /**
   * Whether the request may carry a body to forward: a positive {@code Content-Length}, or,
   * without one, {@code Transfer-Encoding} (HTTP/1.1) or, in HTTP/2 and later, which have no
   * {@code Transfer-Encoding} and stream a body in frames, any method that may carry content
   * (all but GET, HEAD, DELETE, OPTIONS and TRACE). Such a body may turn out empty; the server
   * then gets an empty chunked body.
   */
  static boolean expected(HttpServletRequest request) {
    long length = request.getContentLengthLong();
    if (length >= 0) {
      return length > 0;
    }
    if (request.getHeader("Transfer-Encoding") != null) {
      return true;
    }
    String protocol = request.getProtocol();
    boolean http1 = protocol == null || protocol.startsWith("HTTP/1") || protocol.startsWith("HTTP/0");
    return !http1 && !BODYLESS.contains(request.getMethod());
  }

  /**
   * Ends attempt {@code a} for the body: from now on nothing is read for it. Returns whether any
   * body byte was read so far (then the body cannot be sent again).
   */
  boolean close(Attempt a) {
    synchronized (lock) {
      a.bodyClosed = true;
      return bytesRead != 0;
    }
  }

  /** Moves what the client sent into the current attempt, as far as both sides allow. */
  void pump() {
    if (work.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        pumpOnce();
      } catch (IOException | RuntimeException e) {
        clientFailed.accept(e);
      }
    } while (work.decrementAndGet() != 0);
  }

  private void pumpOnce() throws IOException {
    Attempt a = attempt.get();
    while (a != null && a.committed && !a.writing && !clientGone.getAsBoolean()) {
      int n;
      synchronized (lock) {
        if (a.bodyClosed) {
          return; // the attempt ended: not one byte for it; a retry's attempt calls us when it commits
        }
        if (!ended && in.isFinished()) {
          ended = true;
        }
        if (ended) {
          a.closeContent(); // also for a retry of a request whose (empty) body ended before
          return;
        }
        if (!in.isReady()) {
          watchdog.waiting();
          return; // onDataAvailable() calls us again
        }
        n = in.read(buffer);
        if (n > 0) {
          bytesRead += n;
        } else if (n < 0) {
          ended = true;
        }
      }
      watchdog.progress();
      if (n < 0) {
        a.closeContent();
        return;
      }
      if (n > 0) {
        a.writing = true;
        a.content.write(ByteBuffer.wrap(buffer, 0, n), Callback.from(() -> {
          a.writing = false;
          pump();
        }, x -> a.writing = false)); // the attempt failed: the exchange's onComplete decides
      }
    }
  }

  @Override
  public void onDataAvailable() {
    pump();
  }

  @Override
  public void onAllDataRead() {
    pump();
  }

  @Override
  public void onError(Throwable t) {
    clientFailed.accept(t);
  }
}
