package io.lbkit.servlet;

import io.lbkit.core.RequestView;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;

/** A {@link RequestView} over a servlet request: its {@code Cookie} header lines and client address. */
final class ServletRequestView implements RequestView {
  private static final String[] NONE = new String[0];

  private final HttpServletRequest request;
  private String[] cookies;

  ServletRequestView(HttpServletRequest request) {
    this.request = request;
  }

  @Override
  public int cookieHeaderCount() {
    return cookies().length;
  }

  @Override
  public String cookieHeader(int index) {
    return cookies()[index];
  }

  @Override
  public String clientAddress() {
    return request.getRemoteAddr();
  }

  private String[] cookies() {
    String[] c = cookies;
    if (c == null) {
      Enumeration<String> lines = request.getHeaders("Cookie");
      if (lines == null || !lines.hasMoreElements()) {
        c = NONE;
      } else {
        String first = lines.nextElement();
        if (!lines.hasMoreElements()) {
          c = new String[] {first}; // the common case: one line
        } else {
          java.util.List<String> all = new java.util.ArrayList<>();
          all.add(first);
          while (lines.hasMoreElements()) {
            all.add(lines.nextElement());
          }
          c = all.toArray(NONE);
        }
      }
      cookies = c;
    }
    return c;
  }
}
