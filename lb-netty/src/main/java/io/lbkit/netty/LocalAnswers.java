package io.lbkit.netty;

import io.lbkit.local.LocalAnswer;
import io.lbkit.local.LocalRequest;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** lb-core's {@link LocalRequest} and {@link LocalAnswer} over Netty's request and response. */
final class LocalAnswers {
  private LocalAnswers() {
  }

  /** The path of a request target: origin-form up to {@code ?}; absolute-form without scheme and authority. */
  static String path(String uri) {
    int start = 0;
    if (!uri.startsWith("/")) {
      int scheme = uri.indexOf("://");
      if (scheme > 0) {
        int slash = uri.indexOf('/', scheme + 3);
        if (slash < 0) {
          return "/";
        }
        start = slash;
      }
    }
    int end = uri.indexOf('?', start);
    int hash = uri.indexOf('#', start);
    if (hash >= 0 && (end < 0 || hash < end)) {
      end = hash;
    }
    return start == 0 && end < 0 ? uri : uri.substring(start, end < 0 ? uri.length() : end);
  }

  static LocalRequest request(HttpRequest request, SocketAddress local) {
    String uri = request.uri();
    int q = uri.indexOf('?');
    String query = q < 0 ? null : uri.substring(q + 1);
    int hash = query == null ? -1 : query.indexOf('#');
    if (hash >= 0) {
      query = query.substring(0, hash);
    }
    Map<String, String> headers = new HashMap<>();
    Iterator<Map.Entry<String, String>> it = request.headers().iteratorAsString();
    while (it.hasNext()) {
      Map.Entry<String, String> e = it.next();
      headers.putIfAbsent(e.getKey(), e.getValue());
    }
    String host;
    int port;
    String hostHeader = request.headers().get(HttpHeaderNames.HOST);
    InetSocketAddress localAddress = local instanceof InetSocketAddress ? (InetSocketAddress) local : null;
    if (hostHeader != null && !hostHeader.isBlank()) {
      hostHeader = hostHeader.trim();
      int colon = hostHeader.lastIndexOf(':');
      int bracket = hostHeader.lastIndexOf(']');
      if (colon > bracket) {
        host = hostHeader.substring(0, colon);
        try {
          port = Integer.parseInt(hostHeader.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = 80;
        }
      } else {
        host = hostHeader;
        port = 80;
      }
    } else {
      host = localAddress == null ? "localhost" : localAddress.getAddress().getHostAddress();
      port = localAddress == null ? 80 : localAddress.getPort();
    }
    return new LocalRequest(request.method().name(), path(uri), query, "http", host, port, headers);
  }

  /** The answer as a full response: {@code Content-Length} always, the body unless for {@code HEAD}. */
  static FullHttpResponse response(LocalAnswer answer, boolean head, boolean close) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(answer.status()),
        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(answer.body()));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
    answer.headers().forEach(r.headers()::set);
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.length());
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }
}
