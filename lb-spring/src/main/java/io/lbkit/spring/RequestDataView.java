package io.lbkit.spring;

import io.lbkit.core.RequestView;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.http.HttpHeaders;
import org.springframework.util.MultiValueMap;

/**
 * lbkit's view of the request Spring Cloud LoadBalancer passes to the load balancer: the raw
 * {@code Cookie} header lines (the gateway's and {@code RestClient}'s), or, when a client
 * ({@code WebClient}) keeps its cookies apart until it writes the request, one line built from them.
 */
final class RequestDataView implements RequestView {
  private final List<String> cookieLines;

  private RequestDataView(List<String> cookieLines) {
    this.cookieLines = cookieLines;
  }

  static RequestView of(RequestData data) {
    if (data == null) {
      return RequestView.EMPTY;
    }
    HttpHeaders headers = data.getHeaders();
    List<String> lines = headers == null ? null : headers.get(HttpHeaders.COOKIE);
    if (lines != null && !lines.isEmpty()) {
      return new RequestDataView(lines);
    }
    MultiValueMap<String, String> cookies = data.getCookies();
    if (cookies == null || cookies.isEmpty()) {
      return RequestView.EMPTY;
    }
    StringBuilder line = new StringBuilder();
    for (Map.Entry<String, List<String>> e : cookies.entrySet()) {
      for (String value : e.getValue()) {
        line.append(line.length() == 0 ? "" : "; ").append(e.getKey()).append('=').append(value);
      }
    }
    return RequestView.of(line.toString());
  }

  @Override
  public int cookieHeaderCount() {
    return cookieLines.size();
  }

  @Override
  public String cookieHeader(int index) {
    return cookieLines.get(index);
  }

  @Override
  public String clientAddress() {
    return null;
  }
}
