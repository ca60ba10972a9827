package io.lbkit.netty;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Native epoll where it loads (the optional {@code netty-transport-native-epoll} jar on Linux),
 * NIO otherwise. The epoll classes are only touched after {@link Epoll#isAvailable()} said yes, so
 * the module runs without the native jar.
 */
final class Transport {
  private static final String EPOLL_PACKAGE = "io.netty.channel.epoll.";

  private Transport() {
  }

  static boolean epollAvailable() {
    try {
      return Epoll.isAvailable();
    } catch (LinkageError e) { // the native jar is not on the class path
      return false;
    }
  }

  /** A new group of {@code threads} event loops of the best transport, named {@code name}. */
  static EventLoopGroup newGroup(int threads, String name) {
    IoHandlerFactory io = epollAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), io);
  }

  /** The server channel class for loops that run epoll or NIO. */
  static Class<? extends ServerChannel> serverChannelClass(boolean epoll) {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The client socket class for connections to servers, of the same transport as {@code peer}. */
  static Class<? extends Channel> socketChannelClassLike(Channel peer) {
    return peer.getClass().getName().startsWith(EPOLL_PACKAGE) ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /**
   * Asks the kernel whether a connection is still {@code ESTABLISHED}: a FIN or RST from the peer
   * that arrived after the event loop last polled is seen here, before anything is written. One
   * {@code getsockopt(TCP_INFO)} on epoll; NIO cannot ask, so its connections always pass. One per
   * event loop (it reuses its buffer).
   */
  static final class Probe {
    private static final int TCP_ESTABLISHED = 1;
    private EpollTcpInfo tcp;

    boolean established(Channel ch) {
      if (!(ch instanceof EpollSocketChannel)) { // only epoll channels exist where epoll classes are used
        return true;
      }
      if (tcp == null) {
        tcp = new EpollTcpInfo();
      }
      try {
        ((EpollSocketChannel) ch).tcpInfo(tcp);
      } catch (RuntimeException e) { // the socket is gone
        return false;
      }
      return tcp.state() == TCP_ESTABLISHED;
    }
  }

  /** Whether {@code group}'s loops run epoll (so their channels must be epoll channels). */
  static boolean isEpoll(EventLoopGroup group) {
    return epollAvailable() && group instanceof IoEventLoopGroup
        && ((IoEventLoopGroup) group).isIoType(EpollIoHandler.class);
  }
}
