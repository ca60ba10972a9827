package io.lbkit.benchmarks;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.net.URI;
import java.util.HashMap;
import org.reactivestreams.Subscription;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * What Spring Cloud Gateway hands a load balancer per request, built in {@code @Setup}: a
 * {@link Request} whose {@link RequestDataContext} holds the exchange's headers (Netty's, as on
 * Reactor Netty), its parsed cookies and its attributes, as {@code ReactiveLoadBalancerClientFilter}
 * builds it. And a subscriber that takes the chosen {@link Response} out of {@code choose()}'s
 * {@code Mono} the way the gateway's operators do, without blocking.
 */
final class SpringRequests {
  private SpringRequests() {}

  /** A gateway request carrying {@code cookieHeader} (one {@code Cookie} line of {@code name=value} pairs). */
  static Request<RequestDataContext> request(String cookieHeader) {
    DefaultHttpHeaders netty = new DefaultHttpHeaders();
    netty.add("Host", "gateway.example");
    netty.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    netty.add("Accept", "text/html,application/xhtml+xml");
    netty.add("Cookie", cookieHeader);
    MultiValueMap<String, String> cookies = new LinkedMultiValueMap<>();
    for (String pair : cookieHeader.split("; ")) {
      int eq = pair.indexOf('=');
      cookies.add(pair.substring(0, eq), pair.substring(eq + 1));
    }
    RequestData data = new RequestData(HttpMethod.GET, URI.create("http://gateway.example/api"),
        new HttpHeaders(new Netty4HeadersAdapter(netty)), cookies, new HashMap<>());
    return new DefaultRequest<>(new RequestDataContext(data, "default"));
  }

  /**
   * Takes the value of a {@code choose()} {@code Mono}: subscribes, requests it, keeps it. One per
   * thread, reused for every operation (it holds no state between subscriptions but the last value).
   */
  static final class Picked implements CoreSubscriber<Response<ServiceInstance>> {
    private Response<ServiceInstance> value;

    ServiceInstance take(Mono<Response<ServiceInstance>> choice) {
      value = null;
      choice.subscribe(this);
      return value.getServer();
    }

    @Override
    public void onSubscribe(Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Response<ServiceInstance> response) {
      value = response;
    }

    @Override
    public void onError(Throwable t) {
      throw new IllegalStateException("choose() failed", t);
    }

    @Override
    public void onComplete() {
    }
  }
}
