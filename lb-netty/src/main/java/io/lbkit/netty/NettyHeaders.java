package io.lbkit.netty;

import io.lbkit.core.RequestView;
import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.HeaderLines;
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
    return new Lines().of(headers); // its add and set write to the headers
  }

  /**
   * lb-core's in-place view of one message's headers: the engine forwards the object the codec
   * decoded, edited by {@link io.lbkit.proxy.ProxyHeaders}. One per connection, bound to each
   * message's headers in turn ({@link #of}): a connection proxies one exchange at a time.
   */
  static final class Lines implements HeaderLines {
    private HttpHeaders headers;
    private Iterator<Map.Entry<CharSequence, CharSequence>> it;
    private Map.Entry<CharSequence, CharSequence> line;

    Lines of(HttpHeaders headers) {
      this.headers = headers;
      it = null;
      line = null;
      return this;
    }

    @Override
    public void rewind() {
      it = headers.iteratorCharSequence();
      line = null;
    }

    @Override
    public boolean next() {
      if (it.hasNext()) {
        line = it.next();
        return true;
      }
      line = null;
      return false;
    }

    @Override
    public CharSequence name() {
      return line.getKey();
    }

    @Override
    public CharSequence value() {
      return line.getValue();
    }

    @Override
    public void removeAll(String name) {
      headers.remove(name);
    }

    @Override
    public void setValue(String value) {
      line.setValue(value);
    }

    @Override
    public void add(String name, String value) {
      headers.add(name, value);
    }

    @Override
    public void set(String name, String value) {
      headers.set(name, value);
    }

    /** Lets go of the headers once edited. */
    void clear() {
      headers = null;
      it = null;
      line = null;
    }
  }

  /**
   * The request's {@code Cookie} lines and client address, read when the balancer asks. One per
   * connection, bound to each request in turn ({@link #of}); the balancer keeps no reference.
   */
  static final class Request implements RequestView {
    private final String clientAddress;
    private HttpHeaders headers;

    Request(String clientAddress) {
      this.clientAddress = clientAddress;
    }

    Request of(HttpHeaders headers) {
      this.headers = headers;
      return this;
    }

    @Override
    public int cookieHeaderCount() {
      if (!headers.contains(HttpHeaderNames.COOKIE)) {
        return 0; // the usual cases, 0 or 1 line, without a list
      }
      int n = 0;
      for (Iterator<? extends CharSequence> it = headers.valueCharSequenceIterator(HttpHeaderNames.COOKIE); it.hasNext(); it.next()) {
        n++;
      }
      return n;
    }

    @Override
    public String cookieHeader(int index) {
      return index == 0 ? headers.get(HttpHeaderNames.COOKIE) : headers.getAll(HttpHeaderNames.COOKIE).get(index);
    }

    @Override
    public String clientAddress() {
      return clientAddress;
    }
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
