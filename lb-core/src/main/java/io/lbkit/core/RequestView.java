package io.lbkit.core;

/**
 * What a balancer may know of a request, without any servlet or HTTP library type: the raw
 * {@code Cookie} header lines and the client address. Adapters implement it over their own
 * request object; implementations should not copy or parse the headers.
 */
public interface RequestView {
  /** The number of {@code Cookie} header lines (often 0 or 1; HTTP/2 clients may send several). */
  int cookieHeaderCount();

  /** The raw value of the {@code index}-th {@code Cookie} header line. */
  String cookieHeader(int index);

  /** The client's IP address as text, or null when unknown. */
  String clientAddress();

  /** A request without cookies. */
  RequestView EMPTY = of(null);

  /** A request with at most one {@code Cookie} header line. */
  static RequestView of(String cookieHeader) {
    return of(cookieHeader, null);
  }

  /** A request with at most one {@code Cookie} header line and a client address. */
  static RequestView of(String cookieHeader, String clientAddress) {
    return new RequestView() {
      @Override
      public int cookieHeaderCount() {
        return cookieHeader == null ? 0 : 1;
      }

      @Override
      public String cookieHeader(int index) {
        if (index != 0 || cookieHeader == null) {
          throw new IndexOutOfBoundsException("cookie header " + index);
        }
        return cookieHeader;
      }

      @Override
      public String clientAddress() {
        return clientAddress;
      }
    };
  }
}
