package io.lbkit.servlet;

import io.lbkit.proxy.ErrorResponse;
import io.lbkit.proxy.HeaderSink;
import io.lbkit.proxy.HeaderSource;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/** {@link HeaderSource}s and {@link HeaderSink}s over servlet and Jetty client types, and the blocking error answer. */
final class ServletHeaders {
  private ServletHeaders() {}

  /** The request's lines, each value of a repeated name as its own line. */
  static HeaderSource of(HttpServletRequest request) {
    return line -> {
      for (Enumeration<String> names = request.getHeaderNames(); names.hasMoreElements(); ) {
        String name = names.nextElement();
        for (Enumeration<String> values = request.getHeaders(name); values.hasMoreElements(); ) {
          line.accept(name, values.nextElement());
        }
      }
    };
  }

  /** A Jetty client response's lines. */
  static HeaderSource of(HttpFields fields) {
    return line -> {
      for (HttpField f : fields) {
        line.accept(f.getName(), f.getValue());
      }
    };
  }

  /** Lines of a Jetty client request. */
  static HeaderSink to(HttpFields.Mutable fields) {
    return new HeaderSink() {
      @Override
      public void add(String name, String value) {
        fields.add(name, value);
      }

      @Override
      public void set(String name, String value) {
        fields.put(name, value);
      }
    };
  }

  /**
   * Lines of a servlet response. {@code Content-Length} sets the response's length (a bad one is
   * dropped: the client parser refuses it anyway); {@code Date} and {@code Server} replace the
   * container's own, so the client sees the server's.
   */
  static HeaderSink to(HttpServletResponse response) {
    return new HeaderSink() {
      @Override
      public void add(String name, String value) {
        if (name.equalsIgnoreCase("content-length")) {
          try {
            response.setContentLengthLong(Long.parseLong(value.trim()));
          } catch (NumberFormatException e) {
            // never forward a bad length
          }
        } else if (name.equalsIgnoreCase("date") || name.equalsIgnoreCase("server")) {
          response.setHeader(name, value);
        } else {
          response.addHeader(name, value);
        }
      }

      @Override
      public void set(String name, String value) {
        response.setHeader(name, value);
      }
    };
  }

  /** Sets status and headers of an error answer (the body is the caller's to write). */
  static void prepare(HttpServletResponse response, ErrorResponse error) {
    response.setStatus(error.status());
    response.setContentType(ErrorResponse.CONTENT_TYPE);
    response.setHeader("Cache-Control", ErrorResponse.CACHE_CONTROL);
    response.setContentLength(error.bodyLength());
  }

  /** Writes an error answer with blocking I/O (before any async processing). */
  static void writeError(HttpServletResponse response, ErrorResponse error) throws IOException {
    prepare(response, error);
    response.getOutputStream().write(error.body());
  }
}
