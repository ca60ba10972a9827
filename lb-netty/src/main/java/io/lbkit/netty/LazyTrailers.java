package io.lbkit.netty;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trailers that cost nothing until a line is added. Netty's decoders give every body that ends by
 * its {@code Content-Length} a last part with its own trailer map (a map, its bucket array and a
 * head entry: about 170 bytes), which a proxied response never fills; only chunked messages carry
 * trailers. This one makes Netty's map on the first write and answers reads as empty until then.
 */
final class LazyTrailers extends HttpHeaders {
  /** The codecs' {@link io.netty.handler.codec.http.HttpDecoderConfig#setTrailersFactory trailers factory}. */
  static final HttpHeadersFactory FACTORY = new HttpHeadersFactory() {
    @Override
    public HttpHeaders newHeaders() {
      return new LazyTrailers();
    }

    @Override
    public HttpHeaders newEmptyHeaders() {
      return new LazyTrailers();
    }
  };

  private static final HttpHeadersFactory NETTY = DefaultHttpHeadersFactory.trailersFactory();

  private HttpHeaders lines;

  private HttpHeaders write() {
    HttpHeaders h = lines;
    if (h == null) {
      h = lines = NETTY.newEmptyHeaders();
    }
    return h;
  }

  @Override
  public String get(String name) {
    return lines == null ? null : lines.get(name);
  }

  @Override
  public Integer getInt(CharSequence name) {
    return lines == null ? null : lines.getInt(name);
  }

  @Override
  public int getInt(CharSequence name, int defaultValue) {
    return lines == null ? defaultValue : lines.getInt(name, defaultValue);
  }

  @Override
  public Short getShort(CharSequence name) {
    return lines == null ? null : lines.getShort(name);
  }

  @Override
  public short getShort(CharSequence name, short defaultValue) {
    return lines == null ? defaultValue : lines.getShort(name, defaultValue);
  }

  @Override
  public Long getTimeMillis(CharSequence name) {
    return lines == null ? null : lines.getTimeMillis(name);
  }

  @Override
  public long getTimeMillis(CharSequence name, long defaultValue) {
    return lines == null ? defaultValue : lines.getTimeMillis(name, defaultValue);
  }

  @Override
  public List<String> getAll(String name) {
    return lines == null ? Collections.emptyList() : lines.getAll(name);
  }

  @Override
  public List<Map.Entry<String, String>> entries() {
    return lines == null ? Collections.emptyList() : lines.entries();
  }

  @Override
  public boolean contains(String name) {
    return lines != null && lines.contains(name);
  }

  @Override
  public Iterator<Map.Entry<String, String>> iterator() {
    return lines == null ? Collections.emptyIterator() : lines.iterator();
  }

  @Override
  public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() {
    return lines == null ? Collections.emptyIterator() : lines.iteratorCharSequence();
  }

  @Override
  public boolean isEmpty() {
    return lines == null || lines.isEmpty();
  }

  @Override
  public int size() {
    return lines == null ? 0 : lines.size();
  }

  @Override
  public Set<String> names() {
    return lines == null ? Collections.emptySet() : lines.names();
  }

  @Override
  public HttpHeaders add(String name, Object value) {
    write().add(name, value);
    return this;
  }

  @Override
  public HttpHeaders add(String name, Iterable<?> values) {
    write().add(name, values);
    return this;
  }

  @Override
  public HttpHeaders addInt(CharSequence name, int value) {
    write().addInt(name, value);
    return this;
  }

  @Override
  public HttpHeaders addShort(CharSequence name, short value) {
    write().addShort(name, value);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Object value) {
    write().set(name, value);
    return this;
  }

  @Override
  public HttpHeaders set(String name, Iterable<?> values) {
    write().set(name, values);
    return this;
  }

  @Override
  public HttpHeaders setInt(CharSequence name, int value) {
    write().setInt(name, value);
    return this;
  }

  @Override
  public HttpHeaders setShort(CharSequence name, short value) {
    write().setShort(name, value);
    return this;
  }

  @Override
  public HttpHeaders remove(String name) {
    if (lines != null) {
      lines.remove(name);
    }
    return this;
  }

  @Override
  public HttpHeaders clear() {
    if (lines != null) {
      lines.clear();
    }
    return this;
  }
}
