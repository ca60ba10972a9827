package io.lbkit.netty;

import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalHandler;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.ProxyHeaders;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy for one client connection, last in its pipeline after an HTTP server codec: forwards
 * each request to a server chosen by the engine's balancer and streams the answer back. Requests
 * are served one at a time in arrival order (pipelined ones wait, decoded, and reading stops until
 * their turn), so responses leave in order. Create it with {@link ProxyEngine#newHandler()}; one
 * per connection. Everything runs on the connection's event loop.
 *
 * <p>Reading from the client is switched off only when it must be: while a request body waits for
 * its server connection, while the server connection cannot take more, and while pipelined
 * requests wait. A plain keep-alive {@code GET} never changes the socket's registration.
 */
public final class LoadBalancingHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingHandler.class);
  private final ProxyEngine engine;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>(2);
  private ChannelHandlerContext ctx;
  private InactivityTimer clientTimer;
  private BackendPool pool;
  private Exchange current;
  private String clientAddress;
  private int localPort;
  private final NettyHeaders.Lines headerLines = new NettyHeaders.Lines();
  private NettyHeaders.Request requestView;
  private final ProxyHeaders.ConnectionMemo headersMemo = new ProxyHeaders.ConnectionMemo();
  private boolean closing;

  LoadBalancingHandler(ProxyEngine engine) {
    this.engine = engine;
  }

  ProxyEngine engine() {
    return engine;
  }

  String clientAddress() {
    return clientAddress;
  }

  int localPort() {
    return localPort;
  }

  /** The server connections of this connection's event loop. */
  BackendPool pool() {
    return pool;
  }

  /** The connection's header editor, for the current exchange's request and response heads in turn. */
  NettyHeaders.Lines headerLines() {
    return headerLines;
  }

  /** What lb-core's header policy remembers between this connection's requests. */
  ProxyHeaders.ConnectionMemo headersMemo() {
    return headersMemo;
  }

  /** The connection's view of a request for the balancer (its cookies and the client address). */
  NettyHeaders.Request requestView() {
    if (requestView == null) {
      requestView = new NettyHeaders.Request(clientAddress);
    }
    return requestView;
  }

  /** Whether this connection closes after the current response (the engine stops, or the request said so). */
  boolean closing() {
    return closing;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().config().setWriteBufferWaterMark(ProxyEngine.WATER_MARK); // a gateway's channels too
    this.clientTimer = new InactivityTimer(ctx.channel().eventLoop(), engine.group().ticker(),
        engine.timeoutClientNanos(), this::clientTimedOut);
    this.pool = engine.pool(ctx.channel().eventLoop()); // looked up once: a channel keeps its loop
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    SocketAddress remote = ctx.channel().remoteAddress();
    if (remote instanceof InetSocketAddress) {
      clientAddress = ((InetSocketAddress) remote).getAddress().getHostAddress();
    }
    SocketAddress local = ctx.channel().localAddress();
    if (local instanceof InetSocketAddress) {
      localPort = ((InetSocketAddress) local).getPort();
    }
    engine.opened(this);
    if (engine.stopping()) {
      ctx.close();
      return;
    }
    clientTimer.start();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    clientTimer.touch();
    if (closing && current == null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current != null && current.requestComplete() || !waiting.isEmpty()) {
      waiting.add(msg); // a pipelined request: its turn comes when the current response is done
      return;
    }
    dispatch(msg);
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest) {
      HttpRequest request = (HttpRequest) msg;
      if (request.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        reject(request.decoderResult().cause());
        return;
      }
      String badHost = badHost(request);
      if (badHost != null) {
        ReferenceCountUtil.release(msg);
        reject(HttpResponseStatus.BAD_REQUEST, badHost);
        return;
      }
      ErrorResponse refused = ErrorResponse.refusedMethod(request.method().name());
      if (refused != null) {
        ReferenceCountUtil.release(msg);
        answerAndClose(NettyHeaders.error(refused, true));
        return;
      }
      LocalHandler local = engine.hasLocalHandlers() ? engine.localHandler(LocalAnswers.path(request.uri())) : null;
      if (local != null) {
        answerLocally(local, request); // its body, if any, is dropped below as it arrives
      } else {
        current = new Exchange(this, ctx, request);
        current.start();
      }
    }
    if (msg instanceof HttpContent) {
      if (current != null) {
        current.clientContent((HttpContent) msg);
      } else if (((HttpContent) msg).decoderResult().isFailure() && !closing) {
        ReferenceCountUtil.release(msg); // the body of a request answered locally, unreadable
        reject(((HttpContent) msg).decoderResult().cause());
      } else {
        ReferenceCountUtil.release(msg); // the rest of a request already answered
      }
    }
    if (current != null && current.requestComplete()) {
      clientTimer.stop(); // now the server's turn: timeout-server
    }
  }

  /** Answers {@code request} in-process; the connection stays open unless the request or the engine says not. */
  private void answerLocally(LocalHandler local, HttpRequest request) {
    LocalAnswer answer;
    try {
      answer = local.answer(LocalAnswers.request(request, ctx.channel().localAddress()));
    } catch (RuntimeException e) {
      log.warn("{} {}: the local handler failed; answering 500", request.method(), request.uri(), e);
      answer = LocalAnswer.text(500, "text/plain; charset=utf-8", "500 Internal Server Error: " + e + "\n");
    }
    boolean close = !HttpUtil.isKeepAlive(request) || engine.stopping() || closing;
    ChannelFuture f = ctx.writeAndFlush(LocalAnswers.response(answer, request.method().equals(HttpMethod.HEAD), close));
    if (close) {
      closing = true;
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (current != null) {
      current.clientReadComplete();
    }
    updateReading();
  }

  /** Reads from the client only when the current exchange can use what arrives. */
  void updateReading() {
    boolean want = waiting.isEmpty() && (current == null || current.wantsClientData());
    if (ctx.channel().config().isAutoRead() != want) {
      ctx.channel().config().setAutoRead(want);
    }
  }

  /** The current exchange ended; {@code close} when the connection ends with it. */
  void exchangeDone(Exchange e, boolean close) {
    if (current != e) {
      return;
    }
    current = null;
    if (close) {
      closing = true;
      releaseWaiting();
      return;
    }
    if (engine.stopping()) {
      closing = true;
      ctx.close();
      return;
    }
    clientTimer.start();
    while (!waiting.isEmpty() && !closing && (current == null || !current.requestComplete())) {
      dispatch(waiting.poll()); // the next request, and the rest of it when it was read already
    }
    if (current != null && current.requestComplete()) {
      clientTimer.stop();
    }
    updateReading();
  }

  /**
   * The current exchange became a tunnel (the server's 101): the connection carries bytes from now
   * on, handled by the {@link Tunnel} before this handler; no more requests, no timeout-client.
   */
  void upgraded(Exchange e) {
    if (current != e) {
      return;
    }
    current = null;
    closing = true;
    clientTimer.cancel();
    releaseWaiting();
  }

  /** The engine stops: close now when idle, else after the current response. Any thread. */
  void closeWhenIdle() {
    ctx.channel().eventLoop().execute(() -> {
      if (current == null) {
        closing = true;
        ctx.close();
      }
    });
  }

  /** Closes the connection now, whatever it is doing. Any thread. */
  void closeNow() {
    ctx.channel().close();
  }

  private void clientTimedOut() {
    if (current == null) {
      ctx.close(); // an idle keep-alive connection
    } else if (!current.requestComplete()) {
      current.abort("no request data within timeout-client");
    }
  }

  /**
   * Why an HTTP/1.1 request's {@code Host} is unusable (RFC 9112 section 3.2: none, or more than
   * one line, must get 400), or null. HTTP/1.0 may go without.
   */
  private static String badHost(HttpRequest request) {
    if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
      return null;
    }
    // the Host lines only (one bucket of the map), not a pass over every line
    Iterator<? extends CharSequence> hosts = request.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
    if (!hosts.hasNext()) {
      return "the request has no Host header (required in HTTP/1.1).";
    }
    hosts.next();
    return hosts.hasNext() ? "the request has more than one Host header." : null;
  }

  /** A request the codec could not read: 431 for oversized headers, 414 for a long line, else 400; then close. */
  private void reject(Throwable cause) {
    HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
    String text = "the request could not be parsed.";
    if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      text = "the request's header lines are too large.";
    } else if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
      text = "the request line is too long.";
    } else if (cause instanceof TooLongFrameException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
      text = "the request's header lines are too large.";
    }
    reject(status, text);
  }

  /** Answers {@code status} with {@code text} and closes: nothing more is read from this connection. */
  private void reject(HttpResponseStatus status, String text) {
    answerAndClose(NettyHeaders.rejected(status, text));
  }

  private void answerAndClose(FullHttpResponse answer) {
    closing = true;
    releaseWaiting();
    ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null) {
      current.clientWritabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    clientTimer.cancel();
    if (current != null) {
      current.clientClosed();
      current = null;
    }
    releaseWaiting();
    engine.closed(this);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // a reset by the client, mostly; channelInactive cleans up
  }

  private void releaseWaiting() {
    Object m;
    while ((m = waiting.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }
}
