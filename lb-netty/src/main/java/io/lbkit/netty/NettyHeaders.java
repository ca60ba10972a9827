package io.lbkit.netty;

import io.lbkit.core.RequestView;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.HeaderSink;
import io.lbkit.proxy.HeaderSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** lb-core's header and request views over Netty's {@link HttpHeaders}, and the short answers. */
final class NettyHeaders {
  private NettyHeaders() {
  }

  static HeaderSource source(HttpHeaders headers) {
    return (BiConsumer<String, String> line) -> {
      Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
      while (it.hasNext()) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        line.accept(e.getKey().toString(), e.getValue().toString());
      }
    };
  }

  static HeaderSink sink(HttpHeaders headers) {
    return new HeaderSink() {
      @Override
      public void add(String name, String value) {
        headers.add(name, value);
      }

      @Override
      public void set(String name, String value) {
        headers.set(name, value);
      }
    };
  }

  /** The request's {@code Cookie} lines and client address, read when the balancer asks. */
  static RequestView requestView(HttpHeaders headers, String clientAddress) {
    return new RequestView() {
      private List<String> cookies;

      private List<String> cookies() {
        if (cookies == null) {
          cookies = headers.getAll(HttpHeaderNames.COOKIE);
        }
        return cookies;
      }

      @Override
      public int cookieHeaderCount() {
        return headers.contains(HttpHeaderNames.COOKIE) ? cookies().size() : 0;
      }

      @Override
      public String cookieHeader(int index) {
        return cookies().get(index);
      }

      @Override
      public String clientAddress() {
        return clientAddress;
      }
    };
  }

  /** lb-core's 502/503/504 answer as a Netty response. */
  static FullHttpResponse error(ErrorResponse e, boolean close) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(e.status()),
        Unpooled.wrappedBuffer(e.body()));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, ErrorResponse.CONTENT_TYPE)
        .set(HttpHeaderNames.CACHE_CONTROL, ErrorResponse.CACHE_CONTROL)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, e.bodyLength());
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return r;
  }

  /** The answer to a request the codec could not read (400, 414, 431), always closing. */
  static FullHttpResponse rejected(HttpResponseStatus status, String text) {
    byte[] body = (status.code() + " " + status.reasonPhrase() + ": " + text + "\n").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, ErrorResponse.CONTENT_TYPE)
        .set(HttpHeaderNames.CACHE_CONTROL, ErrorResponse.CACHE_CONTROL)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return r;
  }
}
