package io.lbkit.netty;

import io.lbkit.core.Endpoint;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a connection to a server (after an HTTP client codec): hands what the
 * server sends to the exchange the connection serves, or closes the connection when it speaks out
 * of turn while idle in the pool. Confined to its event loop.
 */
final class BackendHandler extends ChannelInboundHandlerAdapter {
  private final BackendPool pool;
  private final Endpoint endpoint;
  private final ProxyEngine engine;
  private Exchange exchange;
  private ChannelHandlerContext ctx;
  private InactivityTimer timer;
  private long idleSince;

  BackendHandler(BackendPool pool, Endpoint endpoint, ProxyEngine engine) {
    this.pool = pool;
    this.endpoint = endpoint;
    this.engine = engine;
  }

  /** {@code timeout-server}, kept with the connection so one scheduled check serves all its exchanges. */
  InactivityTimer timer() {
    return timer;
  }

  Channel channel() {
    return ctx.channel();
  }

  /** When the connection went back to the pool (engine ticker time). */
  long idleSince() {
    return idleSince;
  }

  void idleSince(long nanos) {
    this.idleSince = nanos;
  }

  void bind(Exchange e) {
    this.exchange = e;
  }

  void unbind() {
    this.exchange = null;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.timer = new InactivityTimer(ctx.channel().eventLoop(), engine.group().ticker(), engine.timeoutServerNanos(),
        () -> {
          if (exchange != null) {
            exchange.serverTimedOut();
          }
        });
  }

  /** Back to the pool for the next exchange of this loop. */
  void release() {
    exchange = null;
    ctx.channel().config().setAutoRead(true); // an idle connection must still notice the server closing it
    pool.release(endpoint, this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (exchange == null) {
      ReferenceCountUtil.release(msg);
      ctx.close(); // nothing was asked
      return;
    }
    exchange.serverRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.serverReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.serverWritabilityChanged();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.cancel();
    if (exchange != null) {
      Exchange e = exchange;
      exchange = null;
      e.serverClosed(null);
    } else {
      pool.remove(endpoint, this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (exchange != null) {
      Exchange e = exchange;
      exchange = null;
      e.serverClosed(cause);
    }
    ctx.close();
  }
}
