package io.lbkit.spring;

import io.lbkit.core.RequestView;
import java.util.List;
import java.util.Map;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.http.HttpHeaders;
import org.springframework.util.MultiValueMap;

/**
 * lbkit's view of the request Spring Cloud LoadBalancer passes to the load balancer: the raw
 * {@code Cookie} header lines (the gateway's and {@code RestClient}'s; in the gateway the client's
 * lines as {@link LbkitGatewayFilter} kept them before removing lbkit's cookie), or, when a client
 * ({@code WebClient}) keeps its cookies apart until it writes the request, one line built from them.
 * The headers are read when the balancer first asks for them: a balancer that reads no cookie
 * (round robin, least connections) costs no header lookup.
 */
final class RequestDataView implements RequestView {
  private final RequestData data;
  private List<String> cookieLines; // read on first use; a view serves one request on one thread

  private RequestDataView(RequestData data) {
    this.data = data;
  }

  static RequestView of(RequestData data) {
    return data == null ? RequestView.EMPTY : new RequestDataView(data);
  }

  private List<String> cookieLines() {
    if (cookieLines == null) {
      cookieLines = read(data);
    }
    return cookieLines;
  }

  @SuppressWarnings("unchecked")
  private static List<String> read(RequestData data) {
    Map<String, Object> attributes = data.getAttributes();
    Object kept = attributes == null ? null : attributes.get(GatewayAttributes.COOKIE_LINES);
    if (kept instanceof List) {
      return (List<String>) kept; // the gateway forwards the request without lbkit's cookie: the client's lines
    }
    HttpHeaders headers = data.getHeaders();
    List<String> lines = headers == null ? null : Headers.get(headers, HttpHeaders.COOKIE);
    if (lines != null && !lines.isEmpty()) {
      return lines;
    }
    MultiValueMap<String, String> cookies = data.getCookies();
    if (cookies == null || cookies.isEmpty()) {
      return List.of();
    }
    StringBuilder line = new StringBuilder();
    for (Map.Entry<String, List<String>> e : cookies.entrySet()) {
      for (String value : e.getValue()) {
        line.append(line.length() == 0 ? "" : "; ").append(e.getKey()).append('=').append(value);
      }
    }
    return List.of(line.toString());
  }

  @Override
  public int cookieHeaderCount() {
    return cookieLines().size();
  }

  @Override
  public String cookieHeader(int index) {
    return cookieLines().get(index);
  }

  @Override
  public String clientAddress() {
    return null;
  }
}
