package io.lbkit.servlet;

import io.lbkit.core.Selection;
import io.lbkit.core.Server;
import io.lbkit.proxy.AttemptFailure;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.RetryPolicy;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;

/**
 * One proxied request: async servlet on the client side, Jetty's client on the server side,
 * bodies streamed both ways one buffer at a time (nothing is read from one side before the other
 * side has taken the previous buffer), retries on connection failures.
 *
 * <p>It reads everything of its filter from one {@link ProxyContext} (balancer, group, options,
 * client, ticker, header and retry policy) and never calls back into {@link Proxy}. Header lines
 * are {@link io.lbkit.proxy.ProxyHeaders}' business, retry decisions {@link RetryPolicy}'s.
 *
 * <p>Threads: servlet callbacks (read/write possible) come on container threads, client events on
 * the client's threads. Each direction is a "pump" that runs on one thread at a time
 * ({@link #pumpIn}, {@link #pumpOut}: a work-in-progress counter re-runs it when signalled while
 * running). The request body is read only once the server connection is up, so a connection
 * failure never loses a body byte and can always be retried.
 */
final class ProxyExchange implements AsyncListener, ReadListener, WriteListener {
  private static final int BUFFER = 32 * 1024;

  private final ProxyContext context;
  private final Logger log;
  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final boolean hasBody;
  private final boolean idempotent;
  private final Set<Server> tried = new HashSet<>();
  private AsyncContext async;
  private ServletInputStream in;
  private ServletOutputStream out;
  private int attempts;

  // the current attempt (one at a time; replaced only after the previous one completed)
  private volatile Attempt attempt;

  /** Set once: the response is finished (completed, errored or aborted) or the client went away. */
  private final AtomicBoolean finished = new AtomicBoolean();
  private volatile boolean clientGone;

  // output pump
  private final AtomicInteger outWork = new AtomicInteger();
  private volatile Content.Source source;
  private volatile boolean demandPending;
  private boolean needFlush;
  private byte[] outBuffer; // sized by the chunks that come: a 40-byte page does not cost 32 KiB
  private volatile byte[] errorBody;
  private volatile boolean completeWhenWritten;

  // input pump
  private final AtomicInteger inWork = new AtomicInteger();
  private final byte[] inBuffer;
  private long bodyBytesRead;
  private volatile boolean inputDone;

  private final ClientWatchdog watchdog;

  ProxyExchange(ProxyContext context, HttpServletRequest request, HttpServletResponse response) {
    this.context = context;
    this.log = context.log;
    this.request = request;
    this.response = response;
    this.hasBody = request.getContentLengthLong() > 0 || request.getHeader("Transfer-Encoding") != null;
    this.idempotent = RetryPolicy.isIdempotent(request.getMethod());
    long length = request.getContentLengthLong();
    this.inBuffer = hasBody ? new byte[(int) (length > 0 ? Math.min(length, BUFFER) : BUFFER)] : null;
    this.watchdog = new ClientWatchdog(context, finished::get, this::clientSilent);
  }

  void start(Selection first) throws IOException {
    async = request.startAsync(request, response);
    async.setTimeout(0); // our own timeouts apply; a container timeout would cut long downloads
    async.addListener(this);
    out = response.getOutputStream();
    out.setWriteListener(this);
    if (hasBody) {
      in = request.getInputStream();
      in.setReadListener(this);
    }
    watchdog.start();
    send(first);
  }

  // ---- server side ----

  private void send(Selection selection) {
    Server server = selection.server();
    attempts++;
    tried.add(server);
    Attempt a = new Attempt(selection);
    attempt = a;
    server.stats().requestStarted();
    Request r = context.client.newRequest(server.endpoint().ipAddress(), server.endpoint().port())
        .method(request.getMethod())
        .path(target())
        .version(HttpVersion.HTTP_1_1)
        .idleTimeout(context.options.timeoutServer().toMillis(), TimeUnit.MILLISECONDS)
        .headers(fields -> {
          fields.clear(); // no client defaults (Accept-Encoding, User-Agent): forward what the client sent
          context.headers.request(ServletHeaders.of(request), request.getRemoteAddr(), request.getScheme(),
              request.getLocalPort(), ServletHeaders.to(fields));
        });
    a.request = r;
    if (hasBody) {
      a.content = new AsyncRequestContent();
      r.body(a.content);
    }
    r.onRequestBegin(x -> a.begun = true)
        .onRequestCommit(x -> {
          a.committed = true;
          if (hasBody) {
            pumpIn(); // the connection is up: the client's body may now flow
          }
        })
        .onResponseBegin(x -> a.responseBegun = true)
        .onResponseHeaders(x -> onResponseHeaders(a, x))
        .onResponseContentSource((x, s) -> {
          source = s;
          pumpOut();
        });
    if (clientGone) {
      a.ended();
      return;
    }
    r.send(result -> onComplete(a, result));
  }

  private String target() {
    String query = request.getQueryString();
    return query == null ? request.getRequestURI() : request.getRequestURI() + "?" + query;
  }

  private void onResponseHeaders(Attempt a, Response r) {
    context.group.recordRequestSuccess(a.server());
    if (clientGone) {
      r.abort(new IOException("client went away"));
      return;
    }
    a.headersCopied = true;
    response.setStatus(r.getStatus());
    context.headers.response(ServletHeaders.of(r.getHeaders()), a.selection, ServletHeaders.to(response));
  }

  private void onComplete(Attempt a, Result result) {
    a.ended();
    if (!result.isFailed()) {
      if (source == null) {
        finishOk(); // no content at all (204, 304, HEAD)
      }
      return;
    }
    Throwable cause = result.getFailure();
    if (clientGone || finished.get()) {
      return;
    }
    Server server = a.server();
    String backend = context.group.name();
    String what = Failures.describe(cause);
    context.group.recordRequestFailure(server, what);
    if (response.isCommitted()) {
      log.warn("{}: {} failed mid-response to {} {}: {}; aborting the client connection", backend,
          Failures.describe(server), request.getMethod(), request.getRequestURI(), what);
      abortClient();
      return;
    }
    if (context.stopping()) {
      log.warn("{}: {} {} to {} failed while the filter was stopping: {}; answering 503", backend,
          request.getMethod(), request.getRequestURI(), Failures.describe(server), what);
      sendError(ErrorResponse.NO_SERVER);
      return;
    }
    AttemptFailure failure = AttemptFailure.classify(a.begun, Failures.isTimeout(cause),
        a.responseBegun || a.headersCopied || Failures.isMalformed(cause));
    boolean bodyStarted = bodyBytesRead != 0;
    RetryPolicy policy = context.retries;
    if (policy.shouldRetry(failure, idempotent, bodyStarted, attempts)) {
      server.stats().retry();
      Selection next = policy.next(a.selection, tried);
      if (next.isEmpty()) {
        log.warn("{}: {} {} to {} failed: {}; no other server to retry on; answering 503", backend,
            request.getMethod(), request.getRequestURI(), Failures.describe(server), what);
        sendError(ErrorResponse.NO_SERVER);
        return;
      }
      log.info("{}: {} {} to {} failed: {}; retry {}/{} on {}", backend, request.getMethod(),
          request.getRequestURI(), Failures.describe(server), what, attempts, policy.retries(),
          Failures.describe(next.server()));
      if (next.server() == server) {
        context.client.getScheduler().schedule(() -> retry(next), policy.sameServerDelayMillis(),
            TimeUnit.MILLISECONDS);
      } else {
        retry(next);
      }
      return;
    }
    ErrorResponse answer = policy.answer(failure, idempotent, bodyStarted);
    log.warn("{}: {} {} to {} failed after {} attempt(s): {}; answering {}", backend, request.getMethod(),
        request.getRequestURI(), Failures.describe(server), attempts, what, answer.status());
    sendError(answer);
  }

  private void retry(Selection next) {
    if (clientGone || finished.get()) {
      return;
    }
    if (context.stopping()) {
      sendError(ErrorResponse.NO_SERVER); // the filter stopped while this retry waited
      return;
    }
    try {
      send(next);
    } catch (RuntimeException e) {
      log.warn("{}: retry failed to start: {}", context.group.name(), e.toString());
      sendError(ErrorResponse.NO_SERVER);
    }
  }

  // ---- client side: request body ----

  private void pumpIn() {
    if (inWork.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        pumpInOnce();
      } catch (IOException | RuntimeException e) {
        clientFailed(e);
      }
    } while (inWork.decrementAndGet() != 0);
  }

  private void pumpInOnce() throws IOException {
    Attempt a = attempt;
    while (a != null && a.committed && !a.writing && !inputDone && !clientGone) {
      if (in.isFinished()) {
        inputDone = true;
        a.content.close();
        return;
      }
      if (!in.isReady()) {
        watchdog.waiting();
        return; // onDataAvailable() calls us again
      }
      int n = in.read(inBuffer);
      watchdog.progress();
      if (n < 0) {
        inputDone = true;
        a.content.close();
        return;
      }
      if (n > 0) {
        bodyBytesRead += n;
        a.writing = true;
        a.content.write(ByteBuffer.wrap(inBuffer, 0, n), Callback.from(() -> {
          a.writing = false;
          pumpIn();
        }, x -> a.writing = false)); // the attempt failed: onComplete() decides
      }
    }
  }

  @Override
  public void onDataAvailable() {
    pumpIn();
  }

  @Override
  public void onAllDataRead() {
    pumpIn();
  }

  // ---- client side: response body ----

  private void pumpOut() {
    if (outWork.getAndIncrement() != 0) {
      return;
    }
    do {
      try {
        pumpOutOnce();
      } catch (IOException | RuntimeException e) {
        clientFailed(e);
      }
    } while (outWork.decrementAndGet() != 0);
  }

  private void pumpOutOnce() throws IOException {
    while (!clientGone) {
      byte[] error = errorBody;
      if (error != null) {
        if (!out.isReady()) {
          return;
        }
        errorBody = null;
        out.write(error);
        completeWhenWritten = true;
        continue;
      }
      if (completeWhenWritten) {
        if (out.isReady()) {
          completeWhenWritten = false;
          finish(false);
        }
        return;
      }
      Content.Source s = source;
      if (s == null || demandPending || finished.get()) {
        return;
      }
      if (!out.isReady()) {
        watchdog.waiting();
        return; // onWritePossible() calls us again
      }
      Content.Chunk chunk = s.read();
      if (chunk == null) {
        if (needFlush) {
          needFlush = false;
          out.flush(); // nothing more right now: let what we have reach the client (server-sent events)
          continue;
        }
        demandPending = true;
        s.demand(() -> {
          demandPending = false;
          pumpOut();
        });
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        chunk.release();
        return; // onComplete() handles the failure
      }
      ByteBuffer bytes = chunk.getByteBuffer();
      int n = bytes.remaining();
      boolean last = chunk.isLast();
      if (n > 0) {
        if (outBuffer == null || outBuffer.length < n) {
          // the previous buffer is no longer the container's: out.isReady() was true
          outBuffer = new byte[Math.max(256, Integer.highestOneBit(n - 1) << 1)];
        }
        bytes.get(outBuffer, 0, n);
        chunk.release();
        out.write(outBuffer, 0, n);
        watchdog.progress();
        needFlush = true;
      } else {
        chunk.release();
      }
      if (last) {
        source = null;
        finishOk();
        return;
      }
    }
  }

  @Override
  public void onWritePossible() {
    watchdog.progress();
    pumpOut();
  }

  // ---- endings ----

  private void finishOk() {
    if (finished.get() || clientGone) {
      return;
    }
    completeWhenWritten = true;
    pumpOut();
  }

  /** Ends the exchange once: stops the watchdog, aborts the client connection if asked, completes. */
  private void finish(boolean abortConnection) {
    if (finished.compareAndSet(false, true)) {
      watchdog.cancel();
      if (abortConnection) {
        ConnectionAbort.abort(response);
      }
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // already completed by the container (client gone)
      }
    }
  }

  /** A short plain error body; the exchange ends when it is written. */
  private void sendError(ErrorResponse error) {
    if (finished.get() || clientGone) {
      return;
    }
    if (response.isCommitted()) {
      abortClient();
      return;
    }
    try {
      response.reset();
    } catch (IllegalStateException e) {
      abortClient();
      return;
    }
    ServletHeaders.prepare(response, error);
    errorBody = error.body();
    pumpOut();
  }

  private void abortClient() {
    finish(true);
  }

  /** The client went away or its connection failed: release the server connection. */
  private void clientFailed(Throwable cause) {
    if (clientGone) {
      return;
    }
    clientGone = true;
    log.debug("{}: client of {} {} went away: {}", context.group.name(), request.getMethod(),
        request.getRequestURI(), cause.toString());
    Attempt a = attempt;
    if (a != null && a.request != null) {
      a.request.abort(cause);
    }
    finish(false);
  }

  @Override
  public void onError(Throwable t) {
    clientFailed(t); // ReadListener, WriteListener and AsyncListener share this
  }

  @Override
  public void onError(AsyncEvent event) {
    clientFailed(event.getThrowable() == null ? new IOException("async error") : event.getThrowable());
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    clientFailed(new TimeoutException("async timeout"));
  }

  @Override
  public void onComplete(AsyncEvent event) {
    watchdog.cancel();
    if (!finished.get()) {
      clientFailed(new IOException("response completed by the container"));
    }
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // not restarted
  }

  // ---- timeout-client ----

  private void clientSilent(long idleNanos) {
    log.warn("{}: client of {} {} silent for {} ms (timeout-client); closing", context.group.name(),
        request.getMethod(), request.getRequestURI(), TimeUnit.NANOSECONDS.toMillis(idleNanos));
    Attempt a = attempt;
    clientGone = true;
    if (a != null && a.request != null) {
      a.request.abort(new TimeoutException("timeout-client"));
    }
    abortClient();
  }
}
